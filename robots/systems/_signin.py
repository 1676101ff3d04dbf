"""The credential a page object or API client signs in with, as the runtime's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..credentials import Credential, CredentialDenied, CredentialError
from ..runtime.errors import ApplicationError, BusinessError

if TYPE_CHECKING:
    from ..runtime.context import StepContext


def credential_for(ctx: StepContext, system: str) -> Credential:
    """A process not granted the credential: its item goes to a person (nothing to retry); no
    credential or no key at all: an application error (the run stops after K of them)."""
    try:
        return ctx.credential(system)
    except CredentialDenied as exc:
        raise BusinessError("credential_denied", str(exc)) from None
    except CredentialError as exc:
        raise ApplicationError("credential_missing", str(exc)) from None
