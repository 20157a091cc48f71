"""Stable error codes: clients branch on these, so they never change."""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every code a reply or a dead letter can carry."""

    # Generic
    invalid_request = "invalid_request"
    not_found = "not_found"
    internal_error = "internal_error"
    service_unavailable = "service_unavailable"
    # Dead letters
    malformed_message = "malformed_message"
    delivery_exhausted = "delivery_exhausted"
    # identity.pin.set (ID-1, ID-2, ID-3)
    link_expired = "link_expired"
    link_used = "link_used"
    link_unknown = "link_unknown"
    pin_mismatch = "pin_mismatch"
    pin_not_8_digits = "pin_not_8_digits"
    pin_leading_zero = "pin_leading_zero"
    pin_repeated_digit = "pin_repeated_digit"
    pin_sequential = "pin_sequential"
    pin_repeated_block = "pin_repeated_block"
    pin_in_use = "pin_in_use"
    # Kiosk sign-in and taps (ID-4, ATT-1, AUTH-2, AUTH-3)
    pin_invalid = "pin_invalid"
    device_locked = "device_locked"
    not_authorized = "not_authorized"
    provider_not_active = "provider_not_active"
    # Delegates (ID-5)
    too_many_delegates = "too_many_delegates"
    delegate_too_young = "delegate_too_young"
    delegate_is_facility_staff = "delegate_is_facility_staff"
    not_your_child = "not_your_child"
    # Attendance (ATT-1..ATT-7)
    tap_too_late = "tap_too_late"  # an offline tap older than the policy's limit (ATT-1)
    time_in_future = "time_in_future"  # occurred_at later than now (ATT-1)
    case_required = "case_required"  # two cases could own the record: name one (ATT-6)
    record_not_pending = "record_not_pending"  # resolve on a record no longer pending (ATT-2)
    record_signed_by_parent = "record_signed_by_parent"  # not correctable by provider (ATT-5)
    outside_correction_window = "outside_correction_window"  # after the next day of care (ATT-5)
    incomplete_pair = "incomplete_pair"  # an in without out, or out without in (ATT-4)
    out_of_sequence = "out_of_sequence"  # an out before its in (ATT-4)
    records_pending = "records_pending"  # the month still has pending records (ATT-2)
    card_not_issued = "card_not_issued"  # no attendance card to report lost (ID-9)
    # Month submission and billing (BILL-1..BILL-8)
    month_not_closed = "month_not_closed"  # the month has not ended yet (BILL-1)
    deadline_passed = "deadline_passed"  # submitted after the program's deadline (BILL-1)
    already_submitted = "already_submitted"  # the child's month was submitted (BILL-2)
    time_limit_exceeded = "time_limit_exceeded"  # services too old to bill (BILL-5)
    provider_on_hold = "provider_on_hold"  # nothing paid while on hold (AUTH-3, BILL-8)
    age_out_of_range = "age_out_of_range"  # child's age outside the range served (BILL-4)
    absence_without_attendance = "absence_without_attendance"  # no attendance unit (BILL-3)
    pending_expired = "pending_expired"  # pending record not acted on in time (ATT-2)
    # Identity: sponsors, provider registration and operators (ID-5..ID-8)
    delegate_phone_required = "delegate_phone_required"  # a sponsor needs a phone (ID-6)
    phone_in_use = "phone_in_use"  # the phone identifies another adult (ID-6)
    not_on_staff_list = "not_on_staff_list"  # names not exactly on the state record (ID-8)
    no_email_on_record = "no_email_on_record"  # nowhere to send the code (ID-8)
    registration_code_invalid = "registration_code_invalid"  # wrong code or names (ID-8)
    registration_code_used = "registration_code_used"  # a code works once (ID-8)
    registration_code_expired = "registration_code_expired"  # 24 hours passed (ID-8)
    not_provider_admin = "not_provider_admin"  # only its administrators may do that (ID-7)
    operator_unknown = "operator_unknown"  # no such active operator at the provider (ID-7)
    operator_is_self = "operator_is_self"  # an administrator cannot end their own access
    # Attendance (issue 6: ATT-1..ATT-9)
    record_key_used = "record_key_used"  # a CCMS record_key was already applied (ATT-1)
    checkout_time_required = "checkout_time_required"  # give the real time first (ATT-3)
    not_same_day = "not_same_day"  # a changed time must stay on the record's day (ATT-2, ATT-5)
    absence_reported = "absence_reported"  # approving attendance on a day reported absent (ATT-2)
    attendance_exists = "attendance_exists"  # an absence on a day with attendance (ATT-7)
    month_not_attestable = "month_not_attestable"  # the monthly record still has errors (ATT-9)
    record_superseded = "record_superseded"  # changed since: act on its newest row (ATT-5)
    # Notify (NOT-3)
    message_not_failed = "message_not_failed"  # only a failed message can be tried again
    message_body_erased = "message_body_erased"  # a sent or failed secret's body is gone
    # billing (BILL-9, BILL-10)
    rate_draw_exists = "rate_draw_exists"  # the year's draw was made with another seed (BILL-10)
    reply_too_large = "reply_too_large"  # too big for one message: ask for a report instead
