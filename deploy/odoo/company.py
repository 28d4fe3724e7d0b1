# Run by `odoo shell` (deploy/odoo/init.sh), where `env` is the database's environment: puts
# the main company in Ontario, Canada, and loads the Canadian chart of accounts once.
company = env.company  # noqa: F821 - provided by odoo shell
canada = env.ref("base.ca")  # noqa: F821
if company.country_id != canada:
    company.write({"country_id": canada.id, "state_id": env.ref("base.state_ca_on").id})  # noqa: F821
if not company.chart_template:
    env["account.chart.template"].try_loading("ca_2023", company, install_demo=False)  # noqa: F821
env.cr.commit()  # noqa: F821
print(f"company {company.name}: {company.country_id.code}, chart {company.chart_template}")  # noqa: T201
