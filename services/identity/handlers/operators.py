"""Provider administrators register with a one-time code and create operators at
their own provider; other services ask who an operator is (ID-7, ID-8)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from shared.contract import subjects
from shared.contract.errors import ErrorCode
from shared.contract.events import RegistrationCodeIssued
from shared.contract.identity import (
    AdminRegisterRequest,
    OperatorCreateRequest,
    OperatorDeactivateRequest,
    OperatorListRequest,
    OperatorVerifyRequest,
    RegistrationCodeRequest,
)
from shared.contract.replies import RequestRefused
from shared.service import ServiceRuntime, Transaction

from .. import tokens
from ..domain.registration import (
    CODE_LIFETIME,
    check_administrator,
    check_code,
    check_operator,
    staff_member_named,
)
from ..hasher import Hasher
from ..store import journal, readmodel
from ..store import operators as stored
from .requests_once import once

OPERATOR_PREFIX = "OP-"


def _new_operator_id() -> str:
    return f"{OPERATOR_PREFIX}{uuid4().hex[:16]}"


def register(rt: ServiceRuntime, hasher: Hasher) -> None:
    @rt.serve(RegistrationCodeRequest.subject, RegistrationCodeRequest)
    async def issue_code(request: RegistrationCodeRequest, _subject: str) -> dict[str, Any]:
        """`ops.identity.registration_code`: the state sends a staff member the one-time
        code to register as the provider's administrator (ID-8)."""
        now = rt.clock.now()
        actor = request.operator_id or journal.SCHEDULE
        async with rt.transaction() as tx:
            found = (await readmodel.provider_details(tx.conn, [request.provider_id])).get(
                request.provider_id
            )
            if found is None:
                raise RequestRefused(ErrorCode.not_found, "No such provider.")
            _provider, provider_email, staff = found
            member = staff_member_named(staff, request.first_name, request.last_name)
            if member is None:
                raise RequestRefused(
                    ErrorCode.not_on_staff_list,
                    "No member of this provider's staff has exactly these first and last names.",
                )
            email = member.email or provider_email
            if not email:
                raise RequestRefused(
                    ErrorCode.no_email_on_record, "The state record has no email to send it to."
                )
            code = tokens.registration_code()
            expires_at = now + CODE_LIFETIME
            await stored.add_code(
                tx.conn,
                hasher.registration_code(code),
                provider_id=request.provider_id,
                first_name=member.first_name,
                last_name=member.last_name,
                email=email,
                issued_at=now,
                expires_at=expires_at,
                issued_by=actor,
            )
            await tx.emit(
                RegistrationCodeIssued(
                    occurred_at=now,
                    provider_id=request.provider_id,
                    first_name=member.first_name,
                    last_name=member.last_name,
                    email=email,
                    code=code,
                    expires_at=expires_at,
                )
            )
            await journal.record(
                tx.conn,
                at=now,
                actor=actor,
                action="registration_code_issued",
                subject=request.provider_id,
                details={"first_name": member.first_name, "last_name": member.last_name},
            )
        return {"ok": True, "expires_at": expires_at.isoformat()}

    @rt.serve(AdminRegisterRequest.subject, AdminRegisterRequest)
    async def register_admin(request: AdminRegisterRequest, subject: str) -> dict[str, Any]:
        """`provider.<provider_id>.admin.register`: names exactly as on the state record
        and the code sent; the code never works again (ID-8)."""
        provider_id = subjects.scope_of(subject)
        now = rt.clock.now()
        code_hash = hasher.registration_code(request.code.get_secret_value())
        async with rt.transaction() as tx:
            check_code(
                await stored.code(tx.conn, code_hash),
                provider_id=provider_id,
                first_name=request.first_name,
                last_name=request.last_name,
                now=now,
            )
            operator_id = await stored.active_admin_named(
                tx.conn, provider_id, request.first_name, request.last_name
            )
            if operator_id is None:
                operator_id = _new_operator_id()
                await stored.add(
                    tx.conn,
                    operator_id=operator_id,
                    provider_id=provider_id,
                    role="provider_admin",
                    first_name=request.first_name,
                    last_name=request.last_name,
                    email=None,
                    at=now,
                    created_by="registration",
                )
            await stored.use_code(tx.conn, code_hash, now, operator_id)
            await journal.record(
                tx.conn,
                at=now,
                actor=operator_id,
                action="administrator_registered",
                subject=provider_id,
            )
            found = await stored.get(tx.conn, operator_id)
        assert found is not None
        return {"ok": True, "operator": found[1]}

    async def acting_admin(tx: Transaction, provider_id: str, operator_id: str) -> None:
        found = await stored.get(tx.conn, operator_id)
        check_administrator(found[0] if found else None, provider_id)

    async def create(
        provider_id: str, request: OperatorCreateRequest, tx: Transaction
    ) -> dict[str, Any]:
        now = rt.clock.now()
        await acting_admin(tx, provider_id, request.operator_id)
        new = request.operator
        operator_id = _new_operator_id()
        await stored.add(
            tx.conn,
            operator_id=operator_id,
            provider_id=provider_id,
            role=new.role,
            first_name=new.first_name,
            last_name=new.last_name,
            email=str(new.email) if new.email else None,
            at=now,
            created_by=request.operator_id,
        )
        await journal.record(
            tx.conn,
            at=now,
            actor=request.operator_id,
            action="operator_created",
            subject=operator_id,
            details={"provider_id": provider_id, "role": new.role},
        )
        found = await stored.get(tx.conn, operator_id)
        assert found is not None
        return {"ok": True, "operator": found[1]}

    @rt.serve(OperatorCreateRequest.subject, OperatorCreateRequest)
    async def create_operator(request: OperatorCreateRequest, subject: str) -> dict[str, Any]:
        """`provider.<provider_id>.operators.create`: by the provider's administrator (ID-7)."""
        provider_id = subjects.scope_of(subject)
        return await once(
            rt, request.event_id, "operators.create", lambda tx: create(provider_id, request, tx)
        )

    async def deactivate(
        provider_id: str, request: OperatorDeactivateRequest, tx: Transaction
    ) -> dict[str, Any]:
        now = rt.clock.now()
        await acting_admin(tx, provider_id, request.operator_id)
        if request.target_operator_id == request.operator_id:
            raise RequestRefused(
                ErrorCode.operator_is_self,
                "You cannot end your own access; ask another administrator.",
            )
        target = await stored.get(tx.conn, request.target_operator_id)
        check_operator(target[0] if target else None, provider_id)
        await stored.deactivate(tx.conn, request.target_operator_id, now, request.operator_id)
        await journal.record(
            tx.conn,
            at=now,
            actor=request.operator_id,
            action="operator_deactivated",
            subject=request.target_operator_id,
            details={"provider_id": provider_id},
        )
        found = await stored.get(tx.conn, request.target_operator_id)
        assert found is not None
        return {"ok": True, "operator": found[1]}

    @rt.serve(OperatorDeactivateRequest.subject, OperatorDeactivateRequest)
    async def deactivate_operator(
        request: OperatorDeactivateRequest, subject: str
    ) -> dict[str, Any]:
        """`provider.<provider_id>.operators.deactivate`: by an administrator (ID-7)."""
        provider_id = subjects.scope_of(subject)
        return await once(
            rt,
            request.event_id,
            "operators.deactivate",
            lambda tx: deactivate(provider_id, request, tx),
        )

    @rt.serve(OperatorListRequest.subject, OperatorListRequest)
    async def list_operators(request: OperatorListRequest, subject: str) -> dict[str, Any]:
        """`provider.<provider_id>.operators.list`: for an operator of that provider."""
        provider_id = subjects.scope_of(subject)
        async with rt.engine.connect() as conn:
            found = await stored.get(conn, request.operator_id)
            check_operator(found[0] if found else None, provider_id)
            return {"ok": True, "operators": await stored.of_provider(conn, provider_id)}

    @rt.serve(OperatorVerifyRequest.subject, OperatorVerifyRequest)
    async def verify_operator(request: OperatorVerifyRequest, _subject: str) -> dict[str, Any]:
        """`identity.operator.verify`: an active operator of the provider, and their role."""
        async with rt.engine.connect() as conn:
            found = await stored.get(conn, request.operator_id)
        check_operator(found[0] if found else None, request.provider_id)
        assert found is not None
        return {"ok": True, "operator": found[1]}
