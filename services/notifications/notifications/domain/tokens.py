"""Unsubscribe tokens: the authority of a one-click link in an e-mail (no login). A token names one account and
one category, signed with HMAC-SHA256 under the service's secret; it never expires (all it can do is stop
e-mails), but it cannot be forged, altered, nor turned into another account's or category's."""
import base64
import hashlib
import hmac

__all__ = ["InvalidToken", "sign_unsubscribe", "verify_unsubscribe", "INVALID_TOKEN_MESSAGE", "INVALID_TOKEN_FIELD"]

INVALID_TOKEN_MESSAGE = ("Lien de désabonnement invalide : il a peut-être été coupé ou modifié. Choisissez vos "
                         "préférences de notification depuis votre compte.")
INVALID_TOKEN_FIELD = "Lien de désabonnement invalide."
_PURPOSE = b"notifications.unsubscribe.v1"
_SIGNATURE_BYTES = 16  # 128 bits of HMAC-SHA256: more than enough against guessing, and a shorter link
_MAX_TOKEN = 200


class InvalidToken(Exception):
    """The token is not one this service signed (malformed, altered, or signed with another key)."""


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), _PURPOSE + b"\x00" + message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def sign_unsubscribe(secret: str, account_id: str, category: str) -> str:
    """A URL-safe token for `account_id` to stop e-mails of `category`."""
    message = f"{account_id}:{category}".encode("utf-8")
    return f"{_encode(message)}.{_encode(_signature(secret, message))}"


def verify_unsubscribe(secret: str, token: str) -> tuple:
    """(account_id, category) of a token this service signed; InvalidToken otherwise."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
        raise InvalidToken()
    encoded_message, encoded_signature = token.split(".")
    try:
        message, signature = _decode(encoded_message), _decode(encoded_signature)
        if _encode(message) != encoded_message or _encode(signature) != encoded_signature:
            raise ValueError("not canonical")  # one token per link: no second spelling of the same bytes
        account_id, category = message.decode("utf-8").split(":")
    except ValueError:  # bad base64, not UTF-8, not "account:category" (binascii.Error is a ValueError)
        raise InvalidToken() from None
    if not hmac.compare_digest(signature, _signature(secret, message)):
        raise InvalidToken()
    return account_id, category
