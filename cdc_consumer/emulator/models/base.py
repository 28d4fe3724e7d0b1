"""Base models: companies, currencies, countries, partners, users and the model registry
(``ir.model``, ``ir.model.fields`` with manual ``x_`` fields, ``ir.model.constraint``)."""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import AccessError, UserError, ValidationError
from ..fields import MANUAL_TYPES, Field
from ..orm import Env, Model, current_company, model_method

ROUNDING_METHODS = (("round_per_line", "Round per Line"), ("round_globally", "Round Globally"))


class ResCompany(Model):
    """The company; the emulator has one (Canadian, CAD, Ontario)."""

    _name = "res.company"
    _description = "Companies"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Company Name", required=True),
        "currency_id": Field("many2one", "Currency", relation="res.currency", required=True),
        "country_id": Field("many2one", "Country", relation="res.country"),
        "state_id": Field("many2one", "Fed. State", relation="res.country.state"),
        "partner_id": Field("many2one", "Partner", relation="res.partner"),
        "tax_calculation_rounding_method": Field(
            "selection", "Tax Calculation Rounding Method", selection=ROUNDING_METHODS, default="round_globally"
        ),
        "account_sale_tax_id": Field("many2one", "Default Sale Tax", relation="account.tax"),
        "sale_lock_date": Field("date", "Sales Lock Date"),
        "fiscalyear_lock_date": Field("date", "Global Lock Date"),
        "chart_template": Field("char", "Chart Template"),
        "active": Field("boolean", "Active", default=True),
    }


class ResCurrency(Model):
    """Currencies, active or not (Odoo ships them all, most inactive)."""

    _name = "res.currency"
    _description = "Currency"
    _order = "active desc, name"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Currency", required=True, index=True),
        "full_name": Field("char", "Name"),
        "symbol": Field("char", "Symbol", required=True),
        "rounding": Field("float", "Rounding Factor", default=None),
        "decimal_places": Field("integer", "Decimal Places"),
        "position": Field(
            "selection",
            "Symbol Position",
            selection=(("after", "After Amount"), ("before", "Before Amount")),
            default="before",
        ),
        "active": Field("boolean", "Active", default=True),
    }


class ResCountry(Model):
    """Countries."""

    _name = "res.country"
    _description = "Country"
    _order = "name"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Country Name", required=True),
        "code": Field("char", "Country Code", index=True),
        "currency_id": Field("many2one", "Currency", relation="res.currency"),
    }


class ResCountryState(Model):
    """Provinces and states."""

    _name = "res.country.state"
    _description = "Country state"
    _order = "code"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "State Name", required=True),
        "code": Field("char", "State Code", required=True),
        "country_id": Field("many2one", "Country", relation="res.country", required=True),
    }


class ResPartner(Model):
    """Contacts; e-mails are indexed case-insensitively for ``=ilike`` lookups."""

    _name = "res.partner"
    _description = "Contact"
    _order = "complete_name, id desc"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Name", index=True),
        "complete_name": Field("char", "Complete Name", readonly=True),
        "email": Field("char", "Email", index="ci"),
        "phone": Field("char", "Phone"),
        "ref": Field("char", "Reference", index=True),
        "vat": Field("char", "Tax ID"),
        "street": Field("char", "Street"),
        "city": Field("char", "City"),
        "zip": Field("char", "Zip"),
        "comment": Field("html", "Notes"),
        "lang": Field("char", "Language", default="en_US"),
        "tz": Field("char", "Timezone"),
        "type": Field(
            "selection",
            "Address Type",
            selection=(
                ("contact", "Contact"),
                ("invoice", "Invoice Address"),
                ("delivery", "Delivery Address"),
                ("other", "Other Address"),
            ),
            default="contact",
        ),
        "is_company": Field("boolean", "Is a Company"),
        "active": Field("boolean", "Active", default=True),
        "customer_rank": Field("integer", "Customer Rank"),
        "supplier_rank": Field("integer", "Supplier Rank"),
        "parent_id": Field("many2one", "Related Company", relation="res.partner"),
        "company_id": Field("many2one", "Company", relation="res.company"),
        "country_id": Field("many2one", "Country", relation="res.country"),
        "state_id": Field("many2one", "State", relation="res.country.state"),
    }

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Keep ``complete_name``; refuse a contact without a name (Odoo's ``_check_name``)."""
        for rid in ids:
            row = self.rows[rid]
            if not row.get("name") and row.get("type") == "contact":
                raise ValidationError("Contacts require a name")
            if created or "name" in vals:
                self.update(rid, {"complete_name": row.get("name") or False})


class ResUsers(Model):
    """Users; ``admin`` (id 2) is the one the consumer logs in as."""

    _name = "res.users"
    _description = "User"
    _order = "name, login"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Name", required=True),
        "login": Field("char", "Login", required=True, index=True),
        "partner_id": Field("many2one", "Related Partner", relation="res.partner", required=True),
        "company_id": Field("many2one", "Company", relation="res.company", required=True, default=current_company),
        "company_ids": Field("many2many", "Companies", relation="res.company"),
        "tz": Field("char", "Timezone"),
        "lang": Field("char", "Language", default="en_US"),
        "email": Field("char", "Email"),
        "active": Field("boolean", "Active", default=True),
        "share": Field("boolean", "Share User"),
    }

    @model_method
    def context_get(self, env: Env) -> dict[str, Any]:
        """The user's context (``lang``, ``tz``), as odoorpc fetches it at login."""
        row = self.rows.get(env.uid, {})
        return {"lang": row.get("lang") or "en_US", "tz": row.get("tz") or False, "uid": env.uid}


class IrModel(Model):
    """The registry of models, as ``ir.model`` lists them."""

    _name = "ir.model"
    _description = "Models"
    _order = "model"
    _rec_name = "name"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Model Description", required=True),
        "model": Field("char", "Model", required=True, index=True),
        "state": Field(
            "selection", "Type", selection=(("manual", "Custom Object"), ("base", "Base Object")), default="base"
        ),
        "transient": Field("boolean", "Transient Model"),
        "field_id": Field("one2many", "Fields", relation="ir.model.fields", inverse="model_id"),
    }


class IrModelFields(Model):
    """Fields of every model; creating a ``manual`` ``x_`` field adds it to its model."""

    _name = "ir.model.fields"
    _description = "Fields"
    _order = "name"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Field Name", required=True, index=True),
        "model": Field("char", "Model Name", index=True),
        "model_id": Field("many2one", "Model", relation="ir.model", required=True),
        "field_description": Field("char", "Field Label"),
        "ttype": Field(
            "selection",
            "Field Type",
            required=True,
            selection=tuple((t, t) for t in sorted(MANUAL_TYPES | {"one2many", "many2many", "binary"})),
        ),
        "relation": Field("char", "Related Model"),
        "required": Field("boolean", "Required"),
        "readonly": Field("boolean", "Readonly"),
        "index": Field("boolean", "Indexed"),
        "copied": Field("boolean", "Copied"),
        "store": Field("boolean", "Stored", default=True),
        "state": Field(
            "selection", "Type", selection=(("manual", "Custom Field"), ("base", "Base Field")), default="manual"
        ),
    }

    def prepare_create(self, env: Env, vals: dict[str, Any]) -> dict[str, Any]:
        """Check a new field as Odoo does and fill its model name."""
        models = self.db["ir.model"]
        model_id = vals.get("model_id")
        if isinstance(model_id, int) and model_id in models.rows:
            vals["model"] = models.rows[model_id]["model"]
        elif vals.get("model") and not model_id:
            found = models.lookup("model", "=", vals["model"]) or set()
            vals["model_id"] = next(iter(found), False)
        name = vals.get("name") or ""
        if vals.get("state", "manual") == "manual" and not name.startswith("x_"):
            raise ValidationError(
                "The operation cannot be completed: Custom fields must have a name that starts with 'x_'!"
            )
        ttype = vals.get("ttype")
        if ttype not in MANUAL_TYPES:
            raise UserError(f"The field type {ttype!r} is not supported by this server for custom fields.")
        if ttype == "many2one" and vals.get("relation") not in self.db.models:
            raise UserError(f"Model {vals.get('relation')!r} does not exist.")
        if vals.get("model") and self.search_ids(env, [("model", "=", vals["model"]), ("name", "=", name)]):
            raise ValidationError("The operation cannot be completed: Field names must be unique per model.")
        vals.setdefault("field_description", name)
        return vals

    def after_change(self, env: Env, ids: list[int], vals: dict[str, Any], created: bool) -> None:
        """Add each new manual field to its model (readable, writable, searchable at once)."""
        if created:
            for rid in ids:
                self._install(self.rows[rid])

    def _install(self, row: dict[str, Any]) -> None:
        if row.get("state") != "manual" or row.get("model") not in self.db.models:
            return
        self.db[row["model"]].add_field(
            row["name"],
            Field(
                row["ttype"],
                row.get("field_description") or row["name"],
                relation=row.get("relation") or None,
                index=bool(row.get("index")),
                manual=True,
                copied=bool(row.get("copied")),
                required=bool(row.get("required")),
            ),
        )

    def before_unlink(self, env: Env, ids: list[int]) -> None:
        """Base fields stay; a manual field leaves its model."""
        for rid in ids:
            if self.rows[rid].get("state") != "manual":
                raise UserError("This column contains module data and cannot be removed!")
        for rid in ids:
            row = self.rows[rid]
            if row.get("model") in self.db.models:
                self.db[row["model"]].remove_field(row["name"])

    def restore(self, rid: int, row: dict[str, Any] | None) -> None:
        """Undo also the field itself when the transaction that added or removed it fails."""
        current = self.rows.get(rid)
        super().restore(rid, row)
        if (
            row is None
            and current is not None
            and current.get("state") == "manual"
            and current.get("model") in self.db.models
        ):
            self.db[current["model"]].remove_field(current["name"])
        elif row is not None and current is None:
            self._install(row)

    def restore_manual_fields(self) -> None:
        """Re-add every manual field to its model (after loading a saved state)."""
        for row in self.rows.values():
            self._install(row)


class IrModelConstraint(Model):
    """SQL constraints of modules; nobody may create one over RPC."""

    _name = "ir.model.constraint"
    _description = "Model Constraint"
    _fields_spec: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Constraint", required=True),
        "definition": Field("char", "Definition"),
        "model": Field("many2one", "Model", relation="ir.model", required=True),
        "type": Field("char", "Constraint Type", required=True),
    }

    @model_method
    def create(self, env: Env, vals_list: Any) -> int | list[int]:
        """Refused with Odoo's access text: no group allows it."""
        raise AccessError(
            "You are not allowed to create 'Model Constraint' (ir.model.constraint) records.\n\n"
            "No group currently allows this operation.\n\n"
            "Contact your administrator to request access if necessary."
        )


MODELS: tuple[type[Model], ...] = (
    ResCompany,
    ResCurrency,
    ResCountry,
    ResCountryState,
    ResPartner,
    ResUsers,
    IrModel,
    IrModelFields,
    IrModelConstraint,
)
