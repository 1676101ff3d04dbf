"""The Danish text of each personnel-file document type, naming the employee (name and CPR).

Each type has its own tell-tale wording, so a classifier can tell them apart by content alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from . import names
from .model import Document, Employee
from .util import fmt_date, hours_text, kr


def _salary(emp: Employee) -> str:
    if emp.pay_type == "hourly":
        return f"Timelønnen udgør {kr(emp.hourly_rate_ore)} kr. pr. time."
    return f"Den månedlige løn udgør {kr(emp.monthly_salary_ore)} kr. inkl. tillæg."


def document_text(doc: Document, emp: Employee, org_name: str, municipality: str, rng: random.Random
                  ) -> tuple[str, str, list[str]]:
    """(sender, heading, paragraphs) of ``doc`` as written for its true owner ``emp``."""
    who = f"{emp.name}, CPR-nr. {emp.cpr}"
    d = fmt_date(doc.doc_date)
    start = fmt_date(emp.start_date)
    kind = doc.true_type
    sender = f"{municipality} · {org_name}"
    if kind == "ansaettelsesbrev":
        return sender, "Ansættelsesbrev", [
            f"Dato: {d}",
            f"Til: {who}, {emp.address}, {emp.postcode} {emp.city}",
            f"{municipality} bekræfter hermed din ansættelse som {emp.position.lower()} ved {org_name} "
            f"med tiltrædelse den {start}.",
            f"Den gennemsnitlige ugentlige arbejdstid er {hours_text(emp.hours_per_week)} timer. {_salary(emp)}",
            "Ansættelsen sker i henhold til gældende overenskomst mellem KL og den faglige organisation. "
            "Opsigelse sker efter funktionærlovens regler. Ferie afholdes efter ferieloven og ferieaftalen.",
            "Dette ansættelsesbrev udgør arbejdsgiverens oplysning efter ansættelsesbevisloven.",
            "Med venlig hilsen, HR og Løn",
        ]
    if kind == "boerneattest":
        return "Rigspolitiet · Det Centrale Kriminalregister", "Børneattest", [
            f"Udskrift fra Kriminalregistret (børneattest) udstedt den {d}.",
            f"Vedrørende: {who}.",
            f"Attesten er indhentet af {municipality} med samtykke fra ovennævnte i forbindelse med "
            "ansættelse, hvor der indgår direkte kontakt med børn under 15 år.",
            "Der er i Kriminalregistret ikke registreret afgørelser om overtrædelse af straffelovens "
            "bestemmelser om seksuelle krænkelser af børn.",
            f"Attestnummer: BA-{rng.randint(1000000, 9999999)}",
        ]
    if kind == "straffeattest":
        return "Rigspolitiet · Det Centrale Kriminalregister", "Straffeattest", [
            f"Privat straffeattest udstedt den {d}.",
            f"Vedrørende: {who}.",
            "Der er intet registreret i Kriminalregistret, som skal medtages på en privat straffeattest.",
            f"Attestnummer: SA-{rng.randint(1000000, 9999999)}",
        ]
    if kind == "autorisation":
        pos = next((p for ps in names.POSITIONS.values() for p in ps if p.title == emp.position), None)
        profession = (pos.profession if pos and pos.profession else "sundhedsperson")
        return "Styrelsen for Patientsikkerhed", "Autorisation", [
            f"Bevis for autorisation, udstedt den {d}.",
            f"{who} er meddelt autorisation som {profession} i medfør af autorisationsloven.",
            f"Autorisations-ID: {rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randint(1000, 9999)}"
            f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}",
            "Autorisationen kan kontrolleres i Autorisationsregistret.",
        ]
    if kind == "ansoegning":
        return emp.name, f"Ansøgning om stilling som {emp.position.lower()}", [
            f"Dato: {d}",
            f"Ansøger: {who}, {emp.address}, {emp.postcode} {emp.city}",
            f"Hermed søger jeg stillingen som {emp.position.lower()} ved {org_name}, som jeg har set opslået.",
            "Jeg har flere års erfaring og ser frem til at bidrage til arbejdspladsen. Jeg er mødestabil, "
            "samarbejdsvillig og glad for at lære nyt.",
            "Jeg ser frem til at høre fra jer og deltager gerne i en samtale.",
            f"Med venlig hilsen {emp.name}",
        ]
    if kind == "eksamensbevis":
        education = names.EDUCATIONS.get(emp.position, "erhvervsuddannelse")
        return rng.choice(names.INSTITUTIONS), "Eksamensbevis", [
            f"{who} har den {d} afsluttet {education} med bestået eksamen.",
            f"Karaktergennemsnit: {rng.choice(('7,0', '7,4', '8,2', '9,1', '10,3', '6,5'))}.",
            "Beviset er udstedt i henhold til bekendtgørelsen om uddannelsen.",
        ]
    if kind == "loenaftale":
        return sender, f"Lønaftale {doc.doc_date.year}", [
            f"Aftale om lønindplacering for {who}, indgået den {d}.",
            f"Stilling: {emp.position}, {org_name}. Løntrin {rng.randint(20, 44)} med funktionstillæg på "
            f"{kr(rng.randint(500_00, 3500_00))} kr. årligt (31.03.2000-niveau).",
            "Aftalen er indgået mellem ledelsen og tillidsrepræsentanten efter reglerne om lokal løndannelse.",
            f"Aftalen har virkning fra {fmt_date(doc.doc_date + timedelta(days=14))}.",
        ]
    if kind == "opholdstilladelse":
        return "Styrelsen for International Rekruttering og Integration (SIRI)", \
            "Opholds- og arbejdstilladelse", [
                f"Afgørelse af {d}.",
                f"{who} meddeles opholds- og arbejdstilladelse i Danmark.",
                f"Tilladelsen gælder ansættelse hos {municipality} og er gyldig til "
                f"{fmt_date(doc.doc_date + timedelta(days=365 * rng.randint(2, 4)))}.",
                "Tilladelsen bortfalder, hvis ansættelsesforholdet ophører.",
            ]
    if kind == "aendringsbrev":
        return sender, "Ændring af ansættelsesforhold", [
            f"Dato: {d}",
            f"Til: {who}",
            f"Vi bekræfter hermed, at dit ansættelsesforhold som {emp.position.lower()} ændres med virkning "
            f"fra {fmt_date(doc.doc_date + timedelta(days=30))}.",
            f"Din ugentlige arbejdstid er herefter {hours_text(emp.hours_per_week)} timer. Øvrige vilkår er uændrede.",
            "Med venlig hilsen, HR og Løn",
        ]
    if kind == "kursusbevis":
        course = doc.detail or rng.choice(names.COURSES)
        return "Kompetencecenter Nord", f"Kursusbevis: {course}", [
            f"Det bekræftes hermed, at {who} har gennemført kurset «{course}».",
            f"Kurset blev afholdt den {d} og havde en varighed af {rng.randint(1, 5)} dage.",
            "Kursusbeviset udstedes som dokumentation for deltagelse.",
        ]
    if kind == "mus":
        return sender, "Referat af medarbejderudviklingssamtale (MUS)", [
            f"Samtalen blev afholdt den {d} mellem {who} og nærmeste leder.",
            "Trivsel og arbejdsopgaver blev drøftet. Medarbejderen oplever god trivsel i teamet.",
            f"Aftalt kompetenceudvikling: {rng.choice(names.COURSES).lower()}.",
            "Næste samtale afholdes om et år.",
        ]
    if kind == "fratraedelse":
        when = fmt_date(emp.leaving_date or doc.doc_date)
        return sender, "Bekræftelse af opsigelse", [
            f"Dato: {d}",
            f"Til: {who}",
            f"Vi bekræfter hermed modtagelsen af din opsigelse. Din sidste arbejdsdag er {when}.",
            "Tilgodehavende løn, feriepenge og 6. ferieuge afregnes ved fratræden.",
        ]
    topic = doc.detail or "din ansættelse"
    return sender, f"Vedrørende {topic}", [
        f"Dato: {d}",
        f"Til: {who}",
        f"Vi skriver til dig angående {topic}. Henvendelsen er journaliseret på din personalesag.",
        "Har du spørgsmål, er du velkommen til at kontakte HR og Løn.",
        "Med venlig hilsen, HR og Løn",
    ]


def reference_date(doc: Document) -> date:
    """The date written into the document (its own date)."""
    return doc.doc_date
