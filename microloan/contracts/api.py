"""Contracts API (mounted at /api/v1/contracts/): the borrower's ``/me`` routes, staff routes,
templates.

The borrower opens the PDF (``GET /me/contracts/{id}/pdf``; the ``X-Content-SHA256`` header
repeats the hash of the bytes), then signs with that hash. Uploaded PDFs to verify come as the
raw request body (``Content-Type: application/pdf``) or as a multipart field ``file``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from microloan.api.auth import borrower_auth, staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.middleware import client_ip
from microloan.kernel.pagination import page_of

from .schemas import (
    ContractDetailOut,
    ContractFilters,
    ContractOut,
    ContractPage,
    SignIn,
    StaffContractOut,
    TemplateIn,
    TemplateList,
    TemplateOut,
    VerificationOut,
)
from .services import queries, rendering, signing, templates, verification
from .services.common import (
    ADD_TEMPLATE,
    CHANGE_TEMPLATE,
    VERIFY_CONTRACT,
    VIEW_CONTRACT,
    VIEW_TEMPLATE,
)

router = Router(tags=["contracts"])
SHA256_HEADER = "X-Content-SHA256"


def _page(page) -> dict:
    return page_of(page, ContractOut.of)


def _pdf_response(request: HttpRequest, contract_id: str) -> HttpResponse:
    found = rendering.contract_file(actor=request.auth, contract_id=contract_id)
    response = HttpResponse(found.data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.filename}"'
    response[SHA256_HEADER] = found.sha256
    response["Cache-Control"] = "private, no-store"
    return response


# --- borrower ----------------------------------------------------------------------------------


@router.get("/me/contracts", auth=borrower_auth, response=ContractPage)
def my_contracts(request, filters: Query[ContractFilters]):
    values = filters.dict()
    values.pop("customer_id", None)
    return _page(queries.list_contracts(actor=request.auth, **values))


@router.get("/me/contracts/{contract_id}", auth=borrower_auth, response=ContractDetailOut)
def my_contract(request, contract_id: str):
    return ContractDetailOut.of(
        queries.contract_detail(actor=request.auth, contract_id=contract_id)
    )


@router.get("/me/contracts/{contract_id}/pdf", auth=borrower_auth)
def my_contract_pdf(request, contract_id: str):
    return _pdf_response(request, contract_id)


@router.post(
    "/me/contracts/{contract_id}/sign", auth=borrower_auth, response={200: ContractDetailOut}
)
@idempotent
def sign_my_contract(request, contract_id: str, payload: SignIn):
    contract = signing.sign_contract(
        actor=request.auth,
        contract_id=contract_id,
        sha256=payload.sha256,
        device_id=payload.device_id,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(200, ContractDetailOut.of(contract))


# --- staff -------------------------------------------------------------------------------------


@router.get("/contracts", auth=staff_auth(VIEW_CONTRACT), response=ContractPage)
def list_contracts(request, filters: Query[ContractFilters]):
    return _page(queries.list_contracts(actor=request.auth, **filters.dict()))


@router.post("/contracts/verify", auth=staff_auth(VERIFY_CONTRACT), response=VerificationOut)
def verify_uploaded(request):
    if request.content_type == "multipart/form-data":
        # The body of a multipart request is consumed by parsing it: read only the file.
        upload = request.FILES.get("file")
        data = upload.read() if upload is not None else b""
    else:
        data = request.body
    return VerificationOut.of(verification.verify_upload(actor=request.auth, data=data))


@router.get("/contracts/{contract_id}", auth=staff_auth(VIEW_CONTRACT), response=StaffContractOut)
def get_contract(request, contract_id: str):
    return StaffContractOut.of(queries.contract_detail(actor=request.auth, contract_id=contract_id))


@router.get("/contracts/{contract_id}/pdf", auth=staff_auth(VIEW_CONTRACT))
def contract_pdf(request, contract_id: str):
    return _pdf_response(request, contract_id)


@router.get(
    "/contracts/{contract_id}/verify", auth=staff_auth(VIEW_CONTRACT), response=VerificationOut
)
def verify_stored(request, contract_id: str):
    result = verification.verify_stored(actor=request.auth, contract_id=contract_id)
    return VerificationOut.of(result)


# --- templates ---------------------------------------------------------------------------------


@router.get("/templates", auth=staff_auth(VIEW_TEMPLATE), response=TemplateList)
def list_templates(request, kind: str | None = None, language: str | None = None):
    found = templates.list_templates(actor=request.auth, kind=kind, language=language)
    return {"items": [TemplateOut.of(template) for template in found]}


@router.post("/templates", auth=staff_auth(ADD_TEMPLATE), response={201: TemplateOut})
@idempotent
def create_template(request, payload: TemplateIn):
    template = templates.create_template_version(actor=request.auth, **payload.dict())
    return Status(201, TemplateOut.of(template))


@router.get("/templates/{template_id}", auth=staff_auth(VIEW_TEMPLATE), response=TemplateOut)
def get_template(request, template_id: str):
    return TemplateOut.of(templates.get_template(actor=request.auth, template_id=template_id))


@router.post(
    "/templates/{template_id}/activate",
    auth=staff_auth(CHANGE_TEMPLATE, VIEW_TEMPLATE),
    response=TemplateOut,
)
def activate_template(request, template_id: str):
    template = templates.activate_template(actor=request.auth, template_id=template_id)
    return TemplateOut.of(template)
