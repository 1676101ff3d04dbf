"""The personnel-file rules (RULES.md section 5) and text facts on hand-checked cases and boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from processes.personnel_files.rules import (
    Document,
    Employee,
    Job,
    assess,
    certain_type,
    corrected_title,
    is_late_certificate,
    ownership,
    required_documents,
)
from processes.personnel_files.textfacts import (
    cpr_numbers,
    differs_by_one_digit,
    fold,
    issue_date,
    mentions_name,
)

START = date(2020, 8, 1)
CPR = "450190-1234"
OTHER = "520385-4321"
THRESHOLD = 0.90


def job(hours: str = "37", children: bool = False, health: bool = False, record: bool = False) -> Job:
    return Job(Decimal(hours), START, children, health, record)


def employee(manager: str | None = "100001", **kw: object) -> Employee:
    return Employee(CPR, "100123", "Mette Sørensen", job(**kw), manager)  # type: ignore[arg-type]


def doc(doc_id: str, filed: str, predicted: str | None = None, score: float = 0.99, **kw: object) -> Document:
    predicted = predicted or filed
    return Document(doc_id, filed, date(2020, 6, 1), predicted=predicted, score=score,
                    scores={predicted: score}, **kw)  # type: ignore[arg-type]


# -- what the job requires -------------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "letter"), [("3", False), ("3.00", False), ("3.01", True), ("37", True),
                                               ("0", False)])
def test_employment_letter_above_three_hours_a_week(hours: str, letter: bool) -> None:
    assert ("ansaettelsesbrev" in required_documents(job(hours))) is letter


def test_each_job_flag_requires_its_document_in_a_fixed_order() -> None:
    assert required_documents(job(children=True, health=True, record=True)) == [
        "ansaettelsesbrev", "boerneattest", "autorisation", "straffeattest"]
    assert required_documents(job("2", children=True)) == ["boerneattest"]
    assert required_documents(job("2")) == []


# -- whose document ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("cprs", "name", "expected"), [
    ([CPR], True, ("own", [])),
    ([CPR], False, ("own", [])),  # the CPR number decides
    ([], True, ("own", [])),  # no number readable, the name is there
    ([], False, ("unknown", [])),
    ([OTHER], False, ("foreign", [OTHER])),  # someone else's
    ([OTHER], True, ("unknown", [OTHER])),  # another number and our name: a person judges
    (["450190-1284"], True, ("own", [])),  # one digit off + our name: an OCR slip
    (["450190-1284"], False, ("foreign", ["450190-1284"])),  # one digit off without the name: not ours
    (["450190-1884"], True, ("unknown", ["450190-1884"])),  # two digits off: not a slip
])
def test_ownership(cprs: list[str], name: bool, expected: tuple[str, list[str]]) -> None:
    assert ownership(cprs, name, CPR) == expected


# -- what it is --------------------------------------------------------------------------------------

def test_the_classifier_is_trusted_from_the_threshold_up() -> None:
    assert certain_type(doc("D1", "mus", "boerneattest", 0.90), THRESHOLD) == "boerneattest"  # at the threshold
    assert certain_type(doc("D1", "mus", "boerneattest", 0.8999), THRESHOLD) is None  # just below
    assert certain_type(doc("D1", "mus", "mus", 0.40), THRESHOLD) == "mus"  # unsure, but agrees with the archive
    assert certain_type(Document("D1", "mus", None, readable=False), THRESHOLD) is None


# -- the child-protection certificate's date ---------------------------------------------------------

def test_certificate_must_be_dated_before_the_start_date() -> None:
    assert not is_late_certificate(date(2020, 7, 31), START)  # the day before: in time
    assert is_late_certificate(START, START)  # on the start date: late
    assert is_late_certificate(date(2020, 8, 2), START)


def test_corrected_titles() -> None:
    assert corrected_title("boerneattest", "Børneattest", date(2020, 6, 1)) == "Børneattest"
    assert corrected_title("loenaftale", "Lønaftale", date(2021, 4, 3)) == "Lønaftale 03.04.2021"
    assert corrected_title("mus", "MUS-referat", None) == "MUS-referat"


# -- one file put together ---------------------------------------------------------------------------

def test_a_complete_file_has_no_findings() -> None:
    docs = [doc("D1", "ansaettelsesbrev"), doc("D2", "boerneattest", text_date=date(2020, 7, 1)), doc("D3", "mus")]
    result = assess(employee(children=True), docs, THRESHOLD)
    assert (result.findings, result.corrections, result.requests, result.manual) == ([], [], [], [])


def test_a_confident_misfiled_document_is_refiled_and_counts_as_present() -> None:
    docs = [doc("D1", "andet", "ansaettelsesbrev", 0.97), doc("D2", "boerneattest", "straffeattest", 0.95)]
    result = assess(employee(record=True), docs, THRESHOLD)
    assert [(c.doc_id, c.filed_type, c.doc_type) for c in result.corrections] == [
        ("D1", "andet", "ansaettelsesbrev"), ("D2", "boerneattest", "straffeattest")]
    assert [f.kind for f in result.findings] == ["misfiled", "misfiled"]
    assert result.findings[0].detail == "journaliseret som andet, indholdet er ansaettelsesbrev (sikkerhed 0,97)"
    assert result.requests == [] and result.manual_code is None


def test_missing_documents_are_requested_from_the_manager() -> None:
    result = assess(employee(children=True, health=True), [doc("D1", "ansaettelsesbrev")], THRESHOLD)
    assert result.requests == ["boerneattest", "autorisation"]
    assert [(f.kind, f.doc_type) for f in result.findings] == [("missing", "boerneattest"),
                                                                ("missing", "autorisation")]
    assert result.findings[0].detail == "stillingen kræver et dokument af typen boerneattest"
    assert result.manual_code is None


def test_without_a_manager_a_missing_document_goes_to_a_person() -> None:
    result = assess(employee(manager=None), [], THRESHOLD)
    assert result.requests == [] and result.manual_code == "no_manager"
    assert result.manual_sentence() == ("Personalesagen for medarbejder 100123 mangler et dokument af typen "
                                        "ansaettelsesbrev, og medarbejderen har ingen leder, der kan bedes om det.")


def test_another_employees_document_goes_to_a_person_and_does_not_count() -> None:
    foreign = doc("D9", "boerneattest", owner="foreign", foreign_owner="medarbejder 100200 (Ole Hansen)")
    result = assess(employee(children=True), [doc("D1", "ansaettelsesbrev"), foreign], THRESHOLD)
    assert [(f.kind, f.doc_id or f.doc_type) for f in result.findings] == [
        ("wrong_employee", "D9"), ("missing", "boerneattest")]
    assert result.manual_code == "wrong_employee" and result.attach == ["D9"]
    assert result.manual == [("wrong_employee", "Dokument D9 (boerneattest) i personalesagen for medarbejder 100123 "
                                                "nævner medarbejder 100200 (Ole Hansen): flyt det til den rigtige "
                                                "personalesag.")]
    assert result.findings[0].detail == "nævner medarbejder 100200 (Ole Hansen), ikke medarbejder 100123"
    assert result.requests == ["boerneattest"]  # its own certificate is still missing


def test_an_unsure_document_goes_to_a_person_and_nobody_is_asked_for_what_it_may_be() -> None:
    unsure = Document("D5", "mus", date(2020, 6, 1), predicted="boerneattest", score=0.55,
                      scores={"boerneattest": 0.55, "straffeattest": 0.40})
    result = assess(employee(children=True, record=True), [doc("D1", "ansaettelsesbrev"), unsure], THRESHOLD)
    assert result.manual_code == "uncertain_type" and result.requests == []
    assert [f.kind for f in result.findings] == ["uncertain"]
    assert result.findings[0].detail == "journaliseret som mus; robottens bud: boerneattest 0,55; straffeattest 0,40"
    assert result.manual == [
        ("uncertain_type", "Dokument D5 er journaliseret som mus, men robotten er ikke sikker på, hvilken type det er "
                           "(boerneattest 0,55; straffeattest 0,40)."),
        ("uncertain_type", "Dokumenttypen boerneattest, som stillingen kræver, kan være et af de uklare dokumenter."),
        ("uncertain_type", "Dokumenttypen straffeattest, som stillingen kræver, kan være et af de uklare dokumenter."),
    ]


def test_an_unreadable_document_goes_to_a_person_with_the_document() -> None:
    broken = Document("D7", "boerneattest", None, readable=False, problem="PDF: beskadiget PDF-fil")
    result = assess(employee(children=True), [doc("D1", "ansaettelsesbrev"), broken], THRESHOLD)
    assert result.manual_code == "unreadable_document" and result.attach == ["D7"]
    assert result.manual == [
        ("unreadable_document", "Dokument D7 kan ikke læses (PDF: beskadiget PDF-fil)."),
        ("uncertain_type", "Dokumenttypen boerneattest, som stillingen kræver, kan være et af de uklare dokumenter."),
    ]
    assert result.requests == []  # it may well be the certificate


@pytest.mark.parametrize(("issued", "late"), [(date(2020, 7, 31), False), (START, True), (date(2021, 1, 5), True)])
def test_late_child_certificate_is_reported(issued: date, late: bool) -> None:
    cert = Document("D2", "boerneattest", issued, predicted="boerneattest", score=0.99, text_date=issued)
    result = assess(employee(hours="2", children=True), [cert], THRESHOLD)
    assert [f.kind for f in result.findings] == (["late_child_certificate"] if late else [])
    if late:
        assert result.findings[0].detail == f"dateret {issued:%d.%m.%Y}, medarbejderen tiltrådte 01.08.2020"
    assert result.manual_code is None


def test_a_certificate_whose_read_and_filed_dates_disagree_goes_to_a_person() -> None:
    cert = Document("D2", "boerneattest", date(2020, 7, 1), predicted="boerneattest", score=0.99,
                    text_date=date(2020, 9, 1))
    result = assess(employee(hours="2", children=True), [cert], THRESHOLD)
    assert result.manual_code == "certificate_date_unclear" and result.findings == []
    assert result.manual_sentence() == ("Børneattesten D2 er dateret 01.09.2020 i teksten, men journaliseret med "
                                        "datoen 01.07.2020; medarbejderen tiltrådte 01.08.2020.")


def test_the_most_serious_reason_names_the_item() -> None:
    foreign = doc("D9", "mus", owner="foreign")
    unsure = Document("D5", "mus", None, predicted="loenaftale", score=0.5, scores={"loenaftale": 0.5})
    assert assess(employee(manager=None), [unsure, foreign], THRESHOLD).manual_code == "wrong_employee"


# -- text facts ----------------------------------------------------------------------------------------

def test_cpr_numbers_as_ocr_writes_them() -> None:
    text = "Vedrørende: Mette, CPR-nr. 450190-1234. Footer 4501901234 and 450190 - 1234; not 12345678901"
    assert cpr_numbers(text) == ["450190-1234"]
    assert cpr_numbers("Attestnummer: BA-1234567, konto 9999-1234567890") == []


def test_names_match_across_ocr_spelling() -> None:
    assert fold("Søren Ærø-Hansen") == fold("Soren Aero Hansen") == "soren aero hansen"
    assert mentions_name("Til: Mette Sørensen, CPR-nr. 450190-1234", "Mette Sørensen")
    assert mentions_name("Til: Mette\nSorensen", "Mette Sørensen")
    assert not mentions_name("Til: Mette Sørensen-Berg", "Mette Berg")
    assert not mentions_name("Til: Mettes Ørensen", "Mette Sørensen")


def test_issue_dates() -> None:
    assert issue_date("Udskrift fra Kriminalregistret (børneattest) udstedt den 12.03.2021.") == date(2021, 3, 12)
    assert issue_date("Dato: 01.02.2019\nTiltrædelse den 01.03.2019") == date(2019, 2, 1)
    assert issue_date("Afgørelse af 31.02.2020. Gyldig til 01.01.2024") == date(2024, 1, 1)  # 31.02 is no date
    assert issue_date("ingen dato") is None


def test_one_digit_differences() -> None:
    assert differs_by_one_digit("450190-1234", "450190-1284")
    assert not differs_by_one_digit("450190-1234", "450190-1234")
    assert not differs_by_one_digit("450190-1234", "450190-1884")


@pytest.mark.parametrize(("organisation", "wanted", "inside"), [
    ("2101 Østre Skole (Børn og Unge)", ["2101"], True),
    ("2101 Østre Skole (Børn og Unge)", ["børn og unge"], True),
    ("2101 Østre Skole (Børn og Unge)", ["210"], False),  # a code matches whole
    ("21010 Vestre Skole (Børn og Unge)", ["2101"], False),
    ("4104 Vej og Park (Teknik og Miljø)", ["2101", "Vej og Park"], True),
])
def test_organisations_by_code_or_name(organisation: str, wanted: list[str], inside: bool) -> None:
    from processes.personnel_files.tasks import _in_organisations

    assert _in_organisations(organisation, wanted) is inside
