"""The public report form sent again: the reply code once more, only to the browser that sent it,
only for a short time, and only while it is still the case's code."""
import datetime

from app.channels import intake
from app.extensions import db
from app.workflow import reply_codes

BROWSER, OTHER_BROWSER = "kunci-peramban-pelapor-1", "kunci-peramban-lain-2"


def kept(make_case, sender=BROWSER):
    case = make_case()
    sending = intake.record("web_form", "kiriman-" + case.tracking_number, "case", complaint=case)
    reply_codes.keep_for_sender(sending, case.reply_code, sender)
    db.session.commit()
    return case, sending


def test_only_the_sending_browser_sees_the_code_again_within_the_window(app, make_case):
    case, sending = kept(make_case)
    sent_at = sending.created_at
    assert reply_codes.code_for_sender(sending, case, BROWSER, now=sent_at) == case.reply_code
    assert reply_codes.code_for_sender(sending, case, OTHER_BROWSER, now=sent_at) is None
    assert reply_codes.code_for_sender(sending, case, None, now=sent_at) is None
    assert not reply_codes.is_sender(sending, OTHER_BROWSER) and reply_codes.is_sender(sending, BROWSER)
    window = datetime.timedelta(minutes=app.config["REPLY_CODE_RESEND_MINUTES"])
    assert reply_codes.code_for_sender(sending, case, BROWSER, now=sent_at + window) == case.reply_code
    assert reply_codes.code_for_sender(sending, case, BROWSER, now=sent_at + window + datetime.timedelta(seconds=1)) is None


def test_a_new_code_from_the_coordinator_is_never_replaced_by_the_kept_one(world, make_case):
    case, sending = kept(make_case)
    reply_codes.reissue(case, world.user("koordinator"))
    db.session.commit()
    assert reply_codes.code_for_sender(sending, case, BROWSER, now=sending.created_at) is None


def test_a_browser_without_a_key_keeps_nothing(make_case):
    case, sending = kept(make_case, sender=None)
    assert sending.secret is None and sending.sender is None


def test_the_daily_clean_up_erases_old_copies_only(app, make_case):
    window = datetime.timedelta(minutes=app.config["REPLY_CODE_RESEND_MINUTES"])
    fresh_case, fresh = kept(make_case)
    now = fresh.created_at + window
    old_case = make_case()
    old = intake.record("web_form", "kiriman-" + old_case.tracking_number, "case", complaint=old_case,
                        now=now - window - datetime.timedelta(minutes=1))
    reply_codes.keep_for_sender(old, old_case.reply_code, BROWSER)
    db.session.commit()
    assert reply_codes.forget_kept_codes(now=now) >= 1
    db.session.expire_all()
    assert fresh.secret == fresh_case.reply_code
    assert old.secret is None and reply_codes.is_sender(old, BROWSER)  # the case stays the browser's
