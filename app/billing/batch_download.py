"""GET /claims/batches/<id>.837: a batch's 837P as it was sent, for the clearinghouse upload.

The same credential and policy as GraphQL's claim reads: an access token in
`Authorization: Bearer` (401 without a valid one, or when its session has ended), the `claim`
`read` permission (403, the refusal audited), then 404 for an id that is no batch. The read is
audited against every patient whose claim the file carries.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.audit import trail
from app.auth import InvalidToken
from app.authz import act_as
from app.billing import batches
from app.runtime import Runtime
from app.sessions import Bearer, current_actor
from app.transaction import unit_of_work

_UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="practice"'}


def _bearer(runtime: Runtime, request: Request) -> Bearer | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        return runtime.authenticator.read_access_token(token.strip())
    except InvalidToken:
        return None


async def download_batch(runtime: Runtime, request: Request) -> Response:
    batch_id: int = request.path_params["batch_id"]
    bearer = _bearer(runtime, request)
    if bearer is None:
        return PlainTextResponse("Unauthenticated", status_code=401, headers=_UNAUTHENTICATED)
    ip = request.client.host if request.client else None
    async with unit_of_work(runtime.sessions) as session:
        actor = await current_actor(session, bearer, ip)
        if actor is None:
            return PlainTextResponse("Unauthenticated", status_code=401, headers=_UNAUTHENTICATED)
        actor = actor.for_request(request.state.request_id)
        act_as(session, actor)
        if not runtime.authorizer.can(actor, "claim", "read"):
            trail.record(session, actor, "read", "ClaimBatch", batch_id, outcome="denied")
            return PlainTextResponse("Forbidden", status_code=403)
        batch = await batches.batch_for_download(session, actor, batch_id)
        if batch is None:
            return PlainTextResponse("Not found", status_code=404)
        text = batch.file_text
        name = f"claims-{batches.envelope_number(batch.control_number)}.837"
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",  # patients' claims: not kept by browsers or proxies
        },
    )
