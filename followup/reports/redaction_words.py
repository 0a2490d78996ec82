"""Word lists the redaction proposer reads: titles before a name, phrases that introduce one,
capitalised words that are not names, common first names, street suffixes (English, Spanish).
All lower case; the proposer compares lower-cased words."""

from __future__ import annotations

# A name follows these ("Officer Diaz", "Sgt. Lee", "la señora Pérez"); the title stays.
TITLES = frozenset(
    """officer ofc ofcr sgt sergeant deputy dep det detective lt lieutenant capt captain chief
    trooper agent cpl corporal cmdr commander mr mrs ms miss dr doctor sir
    oficial agente sargento teniente capitán capitan comandante jefe señor senor señora senora
    sr sra srta señorita don doña dona""".split()
)

# A name follows these words: "my name is Ana", "me llamo Luis".
INTRODUCTIONS = (
    "my name is", "my name's", "this is", "i am", "i'm", "im", "it's", "it is", "signed",
    "me llamo", "mi nombre es", "soy", "habla", "atentamente",
)

# "my neighbor Sam", "mi hijo Carlos": a name may follow a relation.
RELATIONS = frozenset(
    """son daughter husband wife neighbor neighbour neighbors neighbours friend brother sister
    mom mother mum dad father boyfriend girlfriend partner landlord landlady roommate cousin
    uncle aunt grandson granddaughter grandma grandpa grandmother grandfather nephew niece
    boss coworker tenant ex kid kids child children baby caregiver
    hijo hija esposo esposa marido mujer vecino vecina vecinos amigo amiga hermano hermana
    madre padre mamá mama papá papa novio novia primo prima tío tio tía tia nieto nieta
    sobrino sobrina jefe compañero compañera inquilino""".split()
)

# Capitalised words that are not names (the agency's own name is added by the caller).
NOT_NAMES = frozenset(
    """i i'm i've i'll i'd im ive ok okay police officer officers department dept pd sheriff
    sheriff's deputies dispatch dispatcher dispatchers detective detectives sergeant
    911 ems fire medic medics ambulance city county state court 988
    monday tuesday wednesday thursday friday saturday sunday today tonight yesterday tomorrow
    january february march april may june july august september october november december
    english spanish español espanol god jesus lord thanks thank thankyou hi hello hey dear
    yes no not nobody nothing none great good excellent awesome amazing wonderful terrible
    bad very really so the a an and but or if when while after before then this that these
    those it its he she they we you my our your his her their me us them what why how who
    where which please sorry sir ma'am mr mrs ms dr am pm tv
    lunes martes miércoles miercoles jueves viernes sábado sabado domingo hoy ayer mañana
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
    gracias muchas hola buenos buenas dios el la los las un una y pero que muy bien mal
    policía policia oficial oficiales agente agentes nadie nada sí si usted ustedes yo
    much many more most all everyone everybody anyone someone guys people team unit units
    staff service services job work response time help support respect professional
    professionalism helpful kind kindness quick quickly fast slow rude respectful courteous
    friendly nice polite patient caring calm fair honest prompt timely appreciate appreciated
    happy unhappy satisfied disappointed grateful blessed safe again always never still just
    also well best worst love like keep stay please again sorry hope wish know think
    honda toyota ford chevy chevrolet nissan dodge jeep tesla bmw kia hyundai subaru
    walmart target uber lyft amazon facebook google""".split()
)

# Common first names (US census and Hispanic naming): caught even at a sentence's start.
FIRST_NAMES = frozenset(
    """james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter
    christian keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan
    jesse bryan billy bruce gabriel joe logan alan juan albert willie elijah wayne randy vincent
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    sandra margaret ashley kimberly emily donna michelle carol amanda melissa deborah stephanie
    rebecca laura sharon cynthia kathleen amy angela shirley brenda emma anna pamela nicole
    samantha katherine christine helen debra rachel carolyn janet maria catherine heather diane
    olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn judith andrea
    hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail
    sophia frances jean alice judy isabella julia grace amber denise danielle marilyn beverly
    charlotte natalie theresa diana brittany doris kayla alexis lori marie
    luis carlos jorge miguel pedro manuel francisco javier alejandro ricardo fernando sergio
    eduardo roberto rafael antonio jesús jesus mario oscar raúl raul arturo enrique héctor
    hector pablo andrés andres diego alberto rubén ruben ramón ramon víctor victor hugo
    guadalupe rosa carmen ana lucía lucia sofía sofia valentina camila daniela gabriela
    mariana fernanda alejandra adriana veronica verónica patricia claudia leticia marisol
    yolanda elena isabel beatriz silvia araceli juana josefina esperanza lupe maribel
    ahmed mohamed mohammed ali fatima nguyen wei li""".split()
)

STREET_SUFFIXES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|circle|cir|highway|hwy|parkway|pkwy|trail|trl|square|sq|alley|aly"
)
SPANISH_STREETS = r"calle|avenida|av\.|camino|carretera|callejón|callejon|paseo|bulevar"
UNIT_WORDS = r"apt|apartment|unit|suite|ste|apto|departamento|depto"
PLATE_WORDS = r"plate|plates|tag|tags|license|licence|placa|placas|matrícula|matricula"
