"""Webhook endpoints of the messaging providers: ``/webhooks/<provider>``.

Thin: check the signature over the raw body (403 and nothing created when it is missing or
wrong), parse the provider's shape (a signed payload of another shape is a 400 and creates
nothing), hand each message to :func:`messaging.handle`.
"""
import json
import logging

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _

from app.channels import messaging
from app.settings import setting

log = logging.getLogger(__name__)
webhooks_bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


def error_document(status, description):
    """Any error under ``/webhooks/`` as the JSON the providers get from these endpoints."""
    return jsonify({"error": str(description)}), status


@webhooks_bp.route("/<provider>", methods=["POST"])
def receive(provider):
    handler = messaging.PROVIDERS.get(provider)
    if handler is None:
        abort(404)
    body = request.get_data(cache=False)
    if not handler.verify(request.headers, body):
        log.warning("webhook %s: missing or wrong signature from %s", provider, request.remote_addr)
        return error_document(403, _("Missing or invalid signature."))
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        payload = None
    if not isinstance(payload, dict):
        return error_document(400, _("The body is not a JSON object."))
    try:
        messages = handler.parse(payload)  # every message read before the first is handled
    except messaging.MalformedPayload as exc:
        # the place in the shape only: the payload's values are personal data (numbers, names, text)
        log.warning("webhook %s: signed payload of the wrong shape refused (at %s)", provider, exc.where)
        return error_document(400, _("The payload does not have this provider's message shape (at %(where)s); "
                                     "nothing was received.", where=exc.where))
    from app.jobs.queue import deliver

    results = []
    for message in messages:
        what, outcome = messaging.handle(handler, message)
        deliver(outcome)  # after the commit: the answers go out through the gateway
        results.append(what)
    return jsonify({"ok": True, "results": results})


@webhooks_bp.route("/cloud_api", methods=["GET"])
def cloud_api_subscribe():
    """The Cloud API's subscription handshake (hub.mode / hub.verify_token / hub.challenge)."""
    import hmac

    token = setting("WHATSAPP_CLOUD_VERIFY_TOKEN") or ""
    offered = request.args.get("hub.verify_token") or ""
    if (request.args.get("hub.mode") == "subscribe" and token
            and hmac.compare_digest(offered.encode(), token.encode())):
        return (request.args.get("hub.challenge") or "")[:200], 200, {"Content-Type": "text/plain; charset=utf-8"}
    return error_document(403, _("The subscription's verify token does not match."))
