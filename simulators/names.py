"""Danish names, places, organisations and positions the generator draws from (all fictional)."""

from __future__ import annotations

from dataclasses import dataclass

FEMALE = (
    "Anne", "Kirsten", "Mette", "Hanne", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Lone",
    "Camilla", "Pia", "Louise", "Charlotte", "Tina", "Gitte", "Bente", "Inge", "Karen", "Birgitte",
    "Julie", "Sofie", "Emma", "Ida", "Laura", "Signe", "Cecilie", "Rikke", "Malene", "Trine",
    "Dorte", "Jette", "Annette", "Lise", "Heidi", "Stine", "Line", "Katrine", "Nanna", "Mathilde",
    "Ane", "Freja", "Astrid", "Karina", "Mia", "Sara", "Vibeke", "Anja", "Tove", "Else",
)
MALE = (
    "Jens", "Peter", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders",
    "Morten", "Jesper", "Ole", "Per", "Erik", "Hans", "Christian", "Martin", "Rasmus", "Jørgen",
    "Kim", "Mads", "Mikkel", "Frederik", "Jakob", "Kasper", "Brian", "Allan", "Torben", "Steen",
    "Bo", "Flemming", "Kristian", "Claus", "Poul", "Carsten", "Jonas", "Emil", "Mathias", "Oliver",
    "Lasse", "Nikolaj", "Simon", "Bjarne", "Knud", "Preben", "Kåre", "Bent", "Finn", "Villads",
)
MIDDLE = ("Marie", "Louise", "Elisabeth", "Kristine", "Juul", "Krogh", "Skov", "Lund", "Bach", "Holm")
LAST = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen",
    "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Jacobsen",
    "Vestergaard", "Nørgaard", "Damgaard", "Kjær", "Bertelsen", "Dalsgaard", "Overgaard", "Søndergaard",
    "Brandt", "Toft", "Bach", "Skov", "Thygesen", "Lauridsen", "Østergaard", "Bøgh", "Ravn", "Friis",
)
FOREIGN = (
    ("Agnieszka", "Nowak", "F"), ("Tomasz", "Kowalski", "M"), ("Ahmed", "Hassan", "M"),
    ("Fatima", "Ali", "F"), ("Maria", "Garcia", "F"), ("Ionut", "Popescu", "M"),
    ("Rasa", "Kazlauskiene", "F"), ("Oleksandr", "Shevchenko", "M"), ("Priya", "Sharma", "F"),
    ("Nguyen", "Thi Lan", "F"),
)
STREETS = (
    "Algade", "Bredgade", "Kirkevej", "Skolevej", "Møllevej", "Engvej", "Vestergade", "Østergade",
    "Nørregade", "Søndergade", "Stationsvej", "Birkevej", "Egevej", "Bøgevej", "Hybenvej", "Rosenvej",
    "Fjordvej", "Havnegade", "Markvej", "Åvej", "Lærkevej", "Vibevej", "Syrenvej", "Kastanjevej",
)
TOWNS = (
    ("7700", "Vesterå"), ("7700", "Vesterå"), ("7700", "Vesterå"), ("7730", "Hanstholm"),
    ("7741", "Frøstrup"), ("7742", "Vesløs"), ("7752", "Snedsted"), ("7755", "Bedsted Thy"),
    ("7760", "Hurup Thy"), ("7770", "Vestervig"), ("7790", "Thyholm"),
)

KINDS = ("school", "daycare", "elderly", "health", "admin", "technical", "culture")


@dataclass(frozen=True, slots=True)
class Org:
    """One unit of the municipality (what the payroll system calls an organisation)."""

    code: str
    name: str
    area: str
    kind: str
    weight: int


ORGS: tuple[Org, ...] = (
    Org("2101", "Østre Skole", "Børn og Unge", "school", 9),
    Org("2102", "Vestre Skole", "Børn og Unge", "school", 9),
    Org("2103", "Nørremarkskolen", "Børn og Unge", "school", 8),
    Org("2104", "Søndervangskolen", "Børn og Unge", "school", 7),
    Org("2105", "Åbyskolen", "Børn og Unge", "school", 5),
    Org("2110", "Ungdomsskolen", "Børn og Unge", "school", 2),
    Org("2201", "Børnehuset Solsikken", "Børn og Unge", "daycare", 4),
    Org("2202", "Vuggestuen Mælkebøtten", "Børn og Unge", "daycare", 3),
    Org("2203", "Børnehaven Kastanjen", "Børn og Unge", "daycare", 3),
    Org("2204", "Dagplejen Vesterå", "Børn og Unge", "daycare", 5),
    Org("2205", "Naturbørnehaven Skovly", "Børn og Unge", "daycare", 2),
    Org("3101", "Plejecenter Lindehøj", "Ældre og Sundhed", "elderly", 8),
    Org("3102", "Plejecenter Egebo", "Ældre og Sundhed", "elderly", 6),
    Org("3110", "Hjemmeplejen Nord", "Ældre og Sundhed", "elderly", 7),
    Org("3111", "Hjemmeplejen Syd", "Ældre og Sundhed", "elderly", 7),
    Org("3120", "Sygeplejen", "Ældre og Sundhed", "elderly", 3),
    Org("3130", "Træningscentret", "Ældre og Sundhed", "elderly", 2),
    Org("3140", "Sundhedsplejen", "Ældre og Sundhed", "health", 1),
    Org("4101", "Løn og Personale", "Administration", "admin", 2),
    Org("4102", "Økonomi", "Administration", "admin", 2),
    Org("4103", "Borgerservice", "Administration", "admin", 2),
    Org("4104", "Jobcenter Vesterå", "Administration", "admin", 4),
    Org("4105", "IT og Digitalisering", "Administration", "admin", 1),
    Org("4106", "Direktion og Sekretariat", "Administration", "admin", 1),
    Org("5101", "Vej og Park", "Teknik og Miljø", "technical", 3),
    Org("5102", "Rengøringsservice", "Teknik og Miljø", "technical", 3),
    Org("5103", "Byg og Miljø", "Teknik og Miljø", "technical", 2),
    Org("6101", "Vesterå Bibliotek", "Kultur og Fritid", "culture", 2),
    Org("6102", "Musikskolen", "Kultur og Fritid", "culture", 2),
    Org("6103", "Svømmehallen", "Kultur og Fritid", "culture", 1),
)


@dataclass(frozen=True, slots=True)
class Position:
    """A job and what it requires in the personnel file.

    ``children``: regular direct contact with children under 15 (child-protection certificate);
    ``health``: authorised health staff (authorisation); ``record``: the job's profile requires a
    criminal record (straffeattest). Salaries are monthly kroner at full time, rates kroner/hour.
    """

    title: str
    weight: int
    children: bool = False
    health: bool = False
    record: bool = False
    salary: tuple[int, int] = (28000, 36000)
    hourly: bool = False
    rate: tuple[int, int] = (160, 230)
    profession: str = ""


MANAGER_TITLE = {
    "school": "Skoleleder", "daycare": "Dagtilbudsleder", "elderly": "Centerleder", "health": "Leder",
    "admin": "Afdelingsleder", "technical": "Driftsleder", "culture": "Institutionsleder",
}

POSITIONS: dict[str, tuple[Position, ...]] = {
    "school": (
        Position("Lærer", 10, children=True, salary=(36000, 46000)),
        Position("Pædagog", 4, children=True, salary=(32000, 38000)),
        Position("Pædagogmedhjælper", 2, children=True, salary=(26000, 30000)),
        Position("Skolesekretær", 1, salary=(29000, 34000)),
        Position("Pedel", 1, salary=(29000, 33000)),
        Position("Lærervikar", 3, children=True, hourly=True, rate=(180, 240)),
    ),
    "daycare": (
        Position("Pædagog", 8, children=True, salary=(32000, 38000)),
        Position("Pædagogmedhjælper", 5, children=True, salary=(26000, 30000)),
        Position("Dagplejer", 4, children=True, salary=(27000, 31000)),
        Position("Køkkenmedhjælper", 1, salary=(25000, 28000)),
        Position("Pædagogvikar", 3, children=True, hourly=True, rate=(165, 210)),
    ),
    "elderly": (
        Position("Social- og sundhedsassistent", 8, health=True, record=True, salary=(30000, 35000),
                 profession="social- og sundhedsassistent"),
        Position("Social- og sundhedshjælper", 7, record=True, salary=(27000, 31000)),
        Position("Sygeplejerske", 4, health=True, salary=(36000, 44000), profession="sygeplejerske"),
        Position("Ergoterapeut", 1, health=True, salary=(34000, 40000), profession="ergoterapeut"),
        Position("Fysioterapeut", 1, health=True, salary=(34000, 40000), profession="fysioterapeut"),
        Position("Rengøringsassistent", 1, salary=(25000, 28000)),
        Position("Afløser i ældreplejen", 4, record=True, hourly=True, rate=(165, 215)),
    ),
    "health": (
        Position("Sundhedsplejerske", 1, children=True, health=True, salary=(38000, 45000),
                 profession="sygeplejerske"),
    ),
    "admin": (
        Position("Administrativ medarbejder", 5, salary=(30000, 37000)),
        Position("Lønkonsulent", 2, record=True, salary=(33000, 40000)),
        Position("Sagsbehandler", 4, salary=(34000, 42000)),
        Position("Økonomikonsulent", 2, salary=(36000, 45000)),
        Position("Borgerservicemedarbejder", 2, record=True, salary=(30000, 35000)),
        Position("IT-medarbejder", 1, record=True, salary=(36000, 46000)),
        Position("Studentermedhjælper", 1, hourly=True, rate=(150, 180)),
    ),
    "technical": (
        Position("Vejarbejder", 4, salary=(29000, 34000)),
        Position("Gartner", 2, salary=(28000, 33000)),
        Position("Rengøringsassistent", 4, salary=(25000, 28000)),
        Position("Ingeniør", 1, salary=(42000, 52000)),
        Position("Rengøringsassistent (timelønnet)", 3, hourly=True, rate=(150, 175)),
    ),
    "culture": (
        Position("Bibliotekar", 2, salary=(33000, 40000)),
        Position("Biblioteksassistent", 2, salary=(28000, 32000)),
        Position("Musikskolelærer", 3, children=True, hourly=True, rate=(220, 290)),
        Position("Livredder", 2, children=True, hourly=True, rate=(160, 190)),
    ),
}

TRADES = (
    "Maskinfabrik", "VVS", "Tømrer- og Snedkerforretning", "Auto", "Landbrug", "Planteskole",
    "Transport", "Rengøring", "Bageri", "Slagter", "Trælast", "El-service", "Malerfirma", "Revision",
    "Dyrlægepraksis", "Tandklinik", "Købmand", "Fiskeindustri", "Smedie", "Anlægsgartner",
    "Boligforening", "Camping", "Hotel og Kro", "Møbelfabrik", "Entreprenør", "Vognmand",
)
PLACES = (
    "Thy", "Vesterå", "Hanstholm", "Limfjords", "Vestkyst", "Nordvest", "Klitmøller", "Sjørring",
    "Snedsted", "Vorupør", "Hurup", "Mors", "Hvidbjerg", "Agger", "Nystrup", "Ræhr",
)
LEGAL = ("ApS", "A/S", "I/S", "ApS", "A/S")

EDUCATIONS = {
    "Lærer": "professionsbachelor som lærer i folkeskolen",
    "Pædagog": "professionsbachelor som pædagog",
    "Sygeplejerske": "professionsbachelor i sygepleje",
    "Sundhedsplejerske": "sundhedsplejerskeuddannelsen",
    "Social- og sundhedsassistent": "social- og sundhedsassistentuddannelsen",
    "Social- og sundhedshjælper": "social- og sundhedshjælperuddannelsen",
    "Ergoterapeut": "professionsbachelor i ergoterapi",
    "Fysioterapeut": "professionsbachelor i fysioterapi",
    "Bibliotekar": "bachelor i informationsvidenskab",
    "Ingeniør": "diplomingeniøruddannelsen",
}
INSTITUTIONS = (
    "Professionshøjskolen UCN", "VIA University College", "SOSU Nord", "Københavns Professionshøjskole",
    "Aalborg Universitet", "Erhvervsskolen Vesterå", "Syddansk Universitet",
)
COURSES = (
    "Førstehjælp", "Brandbekæmpelse", "Forflytningsteknik", "Hygiejne i praksis", "Konflikthåndtering",
    "GDPR og persondata", "Medicinhåndtering", "Arbejdsmiljø (lovpligtig uddannelse)",
    "Pædagogisk læreplan", "Digital post i praksis", "Kommunikation med pårørende",
)
