"""« Agir », the hub's one offer of action: the City's schemes a citizen may ask directly (greening permit, street
report, volunteering…), each with what it is, who may ask and its form, which opens a dossier through routing (the
same reference, history, events and delivery as an idea an agent forwarded). Routing checks who may ask (it reads
the person's eligibility from accounts) and every field; the page shows its French messages next to the fields."""
import re

from flask import Blueprint, abort, flash, redirect, request, url_for

from hubkit.errors import HubError

from .. import remote
from ..actors import actor
from ..auth import current_principal, login_required
from ..idempotency import form_key
from .forms import Form, checkbox, none_if_blank, render_form, submitted

bp = Blueprint("act", __name__)

SCHEME_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")  # routing's catalogue codes (anything else: no such scheme)
REFERENCE = re.compile(r"^[A-Z]{2,8}-\d{4}-\d{6,12}\Z")  # « DEVE-2026-000123 » (domain.dossier_reference)
COMMON_FIELDS = ("title", "description", "arrondissement", "location")
LABELS = {"title": "Objet de la demande", "description": "Description", "arrondissement": "Arrondissement",
          "location": "Lieu précis"}
# what a refusal asks the person to do first, by routing's code: (the link's text, its endpoint)
NEXT_STEP = {"EMAIL_NOT_VERIFIED": ("Recevoir à nouveau le lien de vérification", "account_pages.resend_verification"),
             "NOT_ELIGIBLE": ("Déclarer mon adresse parisienne dans « Mon compte »", "profile.index")}


def _scheme(code: str) -> dict:
    if not SCHEME_CODE.match(code):
        abort(404)
    return remote.call("routing", "action_scheme", {"code": code})


def _my_requests() -> list:
    if current_principal() is None:
        return []
    return [dossier for dossier in remote.call("routing", "my_dossiers", actor(), {})
            if dossier["subject_kind"] == "direct_request"]


@bp.get("/agir")
def index():
    return render_form("act/index.html", Form(), schemes=remote.call("routing", "action_schemes"),
                       mine=_my_requests())


def _scheme_page(scheme: dict, form: Form, next_step=None):
    labels = {**LABELS, **{field["key"]: field["label"] for field in scheme["fields"]}}
    return render_form("act/scheme.html", form, scheme=scheme, labels=labels, next_step=next_step)


@bp.get("/agir/<code>")
def scheme(code):
    return _scheme_page(_scheme(code), Form("demande"))


def _values(scheme: dict) -> dict:
    values = submitted(*COMMON_FIELDS, *(field["key"] for field in scheme["fields"] if field["kind"] != "consent"))
    values.update({field["key"]: checkbox(field["key"]) for field in scheme["fields"] if field["kind"] == "consent"})
    return values


def _command(scheme: dict, values: dict) -> dict:
    arrondissement = none_if_blank(values["arrondissement"])
    return {"scheme": scheme["code"], "title": values["title"], "description": values["description"],
            "arrondissement": int(arrondissement) if arrondissement and arrondissement.isdigit() else arrondissement,
            "location": none_if_blank(values["location"]), "idempotency_key": form_key(),
            "fields": {field["code"]: values[field["key"]] if field["kind"] == "consent"
                       else none_if_blank(values[field["key"]]) for field in scheme["fields"]}}


@bp.post("/agir/<code>")
@login_required
def ask(code):
    scheme = _scheme(code)
    values = _values(scheme)
    try:
        dossier = remote.call("routing", "open_dossier", actor(), _command(scheme, values))
    except HubError as error:
        fields = (*COMMON_FIELDS, *(field["key"] for field in scheme["fields"]))
        form = Form.failed(error, values, name="demande", fields=fields)
        return _scheme_page(scheme, form, next_step=NEXT_STEP.get(error.code))
    flash(f"Votre demande est enregistrée : dossier {dossier['reference']}.", "success")
    return redirect(url_for(".dossier", reference=dossier["reference"]))


@bp.get("/agir/dossiers/<reference>")
@login_required
def dossier(reference):
    if not REFERENCE.match(reference):
        abort(404)
    found = remote.call("routing", "my_dossier", actor(), {"reference": reference})
    return render_form("act/dossier.html", Form(), dossier=found)
