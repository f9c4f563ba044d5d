"""What demo respondents write: comments and interview notes, in English and Spanish.

A comment is a core sentence about one thing people raise, sometimes followed by a
detail and a closing, so a few hundred comments per question read as many people
writing rather than twelve sentences on repeat. :class:`Writer` deals the
combinations of each pool in a seeded order without repeating one until the pool is
spent, as a real set of comments repeats only its short ones ("Nothing", "Gracias").
"""

from __future__ import annotations

import itertools
import random

# Pools: (who writes, what about) -> language -> (core sentences, details).
# Who: family, student, staff, partner (staff and partners share Spanish texts), or
# interview. What: working, change, assessment, or an interview question.
Pool = tuple[list[str], list[str]]

WORKING: dict[str, dict[str, Pool]] = {
    "family": {
        "en": (
            [
                "The counselor called me back the same week.",
                "The after-school program is the best thing for my daughter.",
                "The staff are kind and respect our culture.",
                "Good communication this semester, much better than last year.",
                "My son finally has an adult at school he trusts.",
                "The clinic at the school saved us a lot of driving.",
                "The family night about stress and sleep was really useful.",
                "The front office always finds someone who speaks Spanish.",
                "The text messages about events are easy to read on my phone.",
                "The social worker helped us get an appointment quickly.",
            ],
            [
                "That meant a lot to our family.",
                "My kids notice the difference.",
                "I tell other parents about it.",
                "It was easy to ask for help.",
                "We felt listened to.",
                "Please keep it going next year.",
                "",
            ],
        ),
        "es": (
            [
                "La consejera me llamó la misma semana.",
                "El programa después de clases es lo mejor para mi hija.",
                "El personal es amable y respeta nuestra cultura.",
                "Ahora mi hijo tiene un adulto de confianza en la escuela.",
                "La clínica en la escuela nos ahorra mucho tiempo.",
                "Los mensajes de texto en español me ayudan mucho.",
                "La trabajadora social nos consiguió una cita rápido.",
                "La reunión de familias sobre el estrés fue muy útil.",
            ],
            [
                "Eso significó mucho para nuestra familia.",
                "Mis hijos notan la diferencia.",
                "Me sentí escuchada.",
                "Por favor sigan así el próximo año.",
                "Se lo recomiendo a otras familias.",
                "",
            ],
        ),
    },
    "student": {
        "en": (
            [
                "My counselor actually checks in on me.",
                "The lunch group for stress helps a lot.",
                "Coach talks to us about mental health and it is not weird.",
                "The calm room in the library is a good place to reset.",
                "I like that I can book a time with the counselor online.",
                "The peer mentors are easy to talk to.",
                "Teachers are more understanding when you are having a bad day.",
                "The clinic nurse helped me when I had panic attacks.",
            ],
            [
                "My friends use it too.",
                "It makes school less stressful.",
                "More people should know about it.",
                "",
                "",
            ],
        ),
        "es": (
            [
                "Mi consejero me pregunta cómo estoy.",
                "El grupo del almuerzo para el estrés me ayuda.",
                "Los mentores estudiantes son fáciles de hablar.",
                "Algunos maestros entienden cuando tienes un mal día.",
                "La enfermera de la clínica me ayudó mucho.",
            ],
            ["Mis amigos también van.", "Me siento mejor en la escuela.", ""],
        ),
    },
    "staff": {
        "en": (
            [
                "Having the clinician on site two days a week makes referrals real.",
                "The weekly student support team meeting keeps cases from slipping.",
                "The after-school club takes our students who need somewhere safe.",
                "The referral form is shorter this year.",
                "Families respond better when the family liaison makes the first call.",
                "Training on trauma-informed classrooms was practical.",
                "The probation liaison now tells us when a student returns.",
                "Our counselor shares a simple list of who to call for what.",
            ],
            [
                "Students get seen sooner.",
                "It saves teachers time.",
                "I hope the funding continues.",
                "",
            ],
        ),
        "es": (
            [
                "La clínica en la escuela facilita las referencias.",
                "El enlace con las familias hace la primera llamada y funciona.",
                "La capacitación fue práctica.",
            ],
            ["Los estudiantes reciben ayuda antes.", ""],
        ),
    },
    "partner": {
        "en": (
            [
                "The school's coordinator answers within a day.",
                "We get referrals with enough information to act on.",
                "Sharing space in the building lets us see students during the day.",
                "The quarterly partner meeting is worth the time.",
                "Teachers now know what our program offers.",
                "The data agreement made it easier to follow up on students.",
                "Families arrive already knowing who we are.",
            ],
            [
                "That is a big change from two years ago.",
                "Our staff feel part of the school team.",
                "",
            ],
        ),
        "es": (
            [
                "La coordinadora de la escuela responde rápido.",
                "Las familias ya nos conocen cuando llegan.",
                "Las reuniones con la escuela son útiles.",
            ],
            ["Es un gran cambio.", ""],
        ),
    },
}

CHANGE: dict[str, dict[str, Pool]] = {
    "family": {
        "en": (
            [
                "Wait times for therapy are too long, almost two months.",
                "Forms only came in English, so I had to ask my son to translate.",
                "Please have meetings in the evening so working parents can come.",
                "I did not know the clinic was at the school until this year.",
                "We need a clear person to contact at the school.",
                "Nobody told me what happened after the teacher referred my child.",
                "Send information by text message, not only paper flyers.",
                "It is hard to get to the clinic without a car.",
                "I would like a group for parents of teenagers.",
                "The phone number on the flyer went to voicemail every time.",
            ],
            [
                "I had to call three times.",
                "Other parents feel the same.",
                "It would help a lot of families.",
                "My child needed help sooner.",
                "Thank you for asking.",
                "",
                "",
            ],
        ),
        "es": (
            [
                "La espera para la terapia es muy larga, casi dos meses.",
                "Los formularios solo venían en inglés y mi hijo tuvo que traducir.",
                "Más información en español, por favor, y por mensaje de texto.",
                "Necesitamos una persona clara a quien llamar en la escuela.",
                "Las reuniones deberían ser por la tarde para los padres que trabajan.",
                "Nadie me explicó qué pasó después de la referencia.",
                "Es difícil llegar a la clínica sin carro.",
                "Quisiera un grupo para padres de adolescentes.",
            ],
            [
                "Otras familias piensan lo mismo.",
                "Tuve que llamar varias veces.",
                "Ayudaría a muchas familias.",
                "Gracias por preguntar.",
                "",
            ],
        ),
    },
    "student": {
        "en": (
            [
                "It takes forever to get an appointment with the counselor.",
                "I don't know who to talk to if I am not in crisis.",
                "People worry others will see them going into the office.",
                "Make the sign-up online, not a paper slip at the front desk.",
                "Teachers should get more training on anxiety.",
                "More groups after school, not only during lunch.",
                "Tell us what the clinic does, most kids have no idea.",
                "Have someone who speaks Spanish for students who just arrived.",
            ],
            ["Just saying.", "A lot of my friends think so too.", "", ""],
        ),
        "es": (
            [
                "Tardan mucho en darte una cita con el consejero.",
                "No sé con quién hablar si no es una emergencia.",
                "Necesitamos más personas que hablen español.",
                "Expliquen qué hace la clínica, nadie sabe.",
                "Más grupos después de clases.",
            ],
            ["Mis amigos piensan igual.", ""],
        ),
    },
    "staff": {
        "en": (
            [
                "We rarely hear back after a referral to an outside agency.",
                "The waitlist at the clinic means students go weeks without help.",
                "Teachers don't always know who to call.",
                "We need a shared calendar of partner services and hours.",
                "Substitute coverage makes it hard to attend the trainings.",
                "Referral paperwork still takes too long to complete.",
                "Partners change staff often and we lose the relationship.",
                "We need more bilingual clinicians.",
            ],
            [
                "It has been raised before.",
                "A simple tracking sheet would help.",
                "Students fall through the cracks.",
                "",
            ],
        ),
        "es": (
            [
                "Casi nunca sabemos qué pasa después de una referencia.",
                "Necesitamos más personal bilingüe.",
                "La lista de espera es muy larga.",
            ],
            ["Los estudiantes esperan demasiado.", ""],
        ),
    },
    "partner": {
        "en": (
            [
                "We need a single point of contact at the school.",
                "Referrals arrive without consent forms, so we cannot start.",
                "Room space changes week to week, which confuses students.",
                "We would like to hear how the students we see are doing in class.",
                "Meetings are scheduled during our busiest clinic hours.",
                "The data sharing agreement needs renewing before spring.",
                "Teachers send students to us without telling families first.",
            ],
            [
                "It slows everything down.",
                "We raised this at the last review.",
                "Happy to help work it out.",
                "",
            ],
        ),
        "es": (
            [
                "Necesitamos un solo contacto en la escuela.",
                "Las referencias llegan sin el permiso de la familia.",
                "Las reuniones son a la hora de más trabajo.",
            ],
            ["Eso retrasa todo.", ""],
        ),
    },
}

ASSESSMENT: dict[str, Pool] = {
    "en": (
        [
            "We have a leadership team on paper but it has not met since spring.",
            "The coordinator role is clear, but she has too many other duties.",
            "Our needs assessment is three years old.",
            "Agreements exist for the clinic but not for the smaller partners.",
            "We collect data but rarely look at it together.",
            "There is no written sustainability plan if the grant ends.",
            "Joint training with partners happened once this year.",
            "Families are not yet part of the leadership team.",
            "The communication plan works for staff but not for families.",
        ],
        [
            "A good topic for the review.",
            "We are working on it.",
            "This should be a priority.",
            "",
        ],
    ),
    "es": (
        [
            "Las familias todavía no forman parte del equipo.",
            "No hay un plan escrito si termina la beca.",
            "Recogemos datos pero casi no los revisamos juntos.",
        ],
        ["Es una prioridad.", ""],
    ),
}

INTERVIEW: dict[str, dict[str, Pool]] = {
    "interview.community_view": {
        "en": (
            [
                "Says people think stress is just part of being a teenager.",
                "Many parents don't talk about it; they see it as a family matter.",
                "People worry more since the pandemic, especially about phones and sleep.",
                "Says there is still shame about going to therapy.",
                "Older people say kids today have it easier, younger people disagree.",
                "Hears a lot about anxiety before exams and about money at home.",
            ],
            [
                "Gave an example from their own family.",
                "Paused a long time before answering.",
                "Said it is changing slowly.",
                "",
            ],
        ),
        "es": (
            [
                "Dice que muchos padres no hablan de eso.",
                "La gente piensa que el estrés es normal en los jóvenes.",
                "Todavía hay vergüenza de ir a terapia.",
            ],
            ["Dio un ejemplo de su familia.", ""],
        ),
    },
    "interview.supports_known": {
        "en": (
            [
                "Knows about the school counselor and the clinic, not the after-school groups.",
                "Mentions the youth pastor and a coach as the people kids go to.",
                "Only knew about the crisis line from a poster.",
                "Knows the family resource center because of food distribution.",
                "Did not know the clinic at school is free.",
                "Kids go to friends first, then maybe a teacher.",
            ],
            ["Because they trust them.", "Because it is close by.", ""],
        ),
        "es": (
            [
                "Conoce el centro de recursos familiares por la despensa.",
                "No sabía que la clínica de la escuela es gratis.",
                "Los jóvenes hablan primero con sus amigos.",
            ],
            ["Porque les tienen confianza.", ""],
        ),
    },
    "interview.whats_working": {
        "en": (
            [
                "The after-school club gives kids a safe place until parents get home.",
                "Teachers who check in by name make a difference.",
                "The clinic at school means no missed work for parents.",
                "Sports and music keep kids connected.",
                "Texts in Spanish from the school are helpful.",
                "Peer mentors are more approachable than adults.",
            ],
            ["Wants more of it.", "Said it is the main thing that helps.", ""],
        ),
        "es": (
            [
                "El club después de clases es un lugar seguro.",
                "Los mensajes en español de la escuela ayudan.",
                "La clínica en la escuela evita faltar al trabajo.",
            ],
            ["Quiere que haya más.", ""],
        ),
    },
    "interview.barriers": {
        "en": (
            [
                "Waiting lists, and not knowing who to call first.",
                "Transportation: the clinic is two buses away.",
                "Cost and insurance confusion.",
                "Language: forms and phone lines are mostly English.",
                "Worry about what others will think if they are seen going in.",
                "Parents work late and offices close at five.",
                "Immigration fears keep some families from asking for anything.",
            ],
            ["Said this affects a lot of families.", "Mentioned it twice.", ""],
        ),
        "es": (
            [
                "Las listas de espera y no saber a quién llamar.",
                "El transporte, la clínica está lejos.",
                "El idioma, casi todo es en inglés.",
                "Miedo a lo que piensen los demás.",
            ],
            ["Dice que le pasa a muchas familias.", ""],
        ),
    },
    "interview.what_to_change": {
        "en": (
            [
                "One phone number or text line for any kind of help.",
                "Counselors who speak Spanish.",
                "Evening hours at the clinic.",
                "Talk about mental health in class so it is normal.",
                "A student group that plans events with the partners.",
                "Tell families what happens after a referral.",
            ],
            ["Because people give up when it is complicated.", "Said it would build trust.", ""],
        ),
        "es": (
            [
                "Un solo número para pedir cualquier ayuda.",
                "Consejeros que hablen español.",
                "Horario de tarde en la clínica.",
            ],
            ["Porque la gente se rinde cuando es complicado.", ""],
        ),
    },
    "interview.how_to_help": {
        "en": (
            [
                "Could host a support group at the church hall.",
                "Offered to put flyers in the store window.",
                "Would volunteer as a mentor if there was training.",
                "Their program could share space after school.",
                "Parents could run a phone tree in Spanish.",
                "Could tell other parents about the clinic at pickup.",
            ],
            ["Asked us to follow up.", "Gave a contact for the team leader.", ""],
        ),
        "es": (
            [
                "Podría repartir volantes en su negocio.",
                "Los padres podrían organizar llamadas en español.",
                "Su iglesia puede prestar un salón.",
            ],
            ["Pidió que le avisemos.", ""],
        ),
    },
    "interviewer.summary": {
        "en": (
            [
                "Main idea: people want help but don't know where to start.",
                "Main idea: language and transport are the big barriers.",
                "Surprised that they did not know about the school clinic.",
                "Strong quote: 'Kids need to hear that asking for help is normal.'",
                "Main idea: trust comes from people, not programs.",
                "Strong quote: 'By the time we get an appointment, the crisis is over.'",
            ],
            [
                "Very open interview.",
                "Short interview, they were at work.",
                "Would be good to interview more parents like this.",
                "",
            ],
        ),
        "es": (
            [
                "Idea principal: quieren ayuda pero no saben por dónde empezar.",
                "Cita: 'Los jóvenes necesitan saber que pedir ayuda es normal.'",
            ],
            ["Entrevista muy abierta.", ""],
        ),
    },
}

CLOSINGS = {
    "en": ["Thank you.", "Thanks for asking."],
    "es": ["Gracias.", "Gracias por preguntar."],
}
# What a few people write instead of a comment: the only texts that repeat exactly.
BRIEF = {"en": ["Nothing to add.", "Keep it up!", "N/A"], "es": ["Nada más.", "¡Gracias!"]}
SHORT = {
    "short": {
        "en": [
            "A poster in the bathroom",
            "Put it on the school app",
            "Tell us in advisory",
            "A QR code on the lockers",
            "Announcements",
            "Helpful",
            "Caring",
        ],
        "es": ["Un cartel en el baño", "Ponerlo en la app", "Decirnos en clase", "Útil"],
    },
    "other": {
        "en": ["Grandparent", "Neighbour", "Coach", "Volunteer", "Church", "Relative"],
        "es": ["Abuela", "Vecino", "Entrenador", "Voluntaria", "La iglesia"],
    },
}


def pool_for(item: str, audience: str, language: str) -> Pool:
    """The pool a respondent draws from for the long-text item ``item``."""
    if item in INTERVIEW:
        return INTERVIEW[item][language]
    if "self_assessment" in item:
        return ASSESSMENT[language]
    table = CHANGE if "change" in item else WORKING
    who = audience if audience in table else "family"
    return table[who][language] if language in table[who] else table[who]["en"]


class Writer:
    """Deals comments from each pool in a seeded order, without repeats until spent."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"texts:{seed}")
        self._decks: dict[tuple[int, str], list[str]] = {}

    def _deal(self, pool: Pool, language: str) -> str:
        key = (id(pool), language)
        deck = self._decks.get(key)
        if not deck:
            cores, details = pool
            closings = ["", *CLOSINGS[language]]
            deck = [
                " ".join(part for part in combo if part)
                for combo in itertools.product(cores, details, closings)
            ]
            self.rng.shuffle(deck)
            self._decks[key] = deck
        return deck.pop()

    def comment(self, item: str, audience: str, language: str) -> str:
        if not item.startswith(("interview", "interviewer")) and self.rng.random() < 0.03:
            return self.rng.choice(BRIEF[language])
        return self._deal(pool_for(item, audience, language), language)

    def short(self, language: str, kind: str) -> str:
        """A word or phrase: ``short`` answers, or an ``other`` option described."""
        return self.rng.choice(SHORT[kind][language])


__all__ = ["Writer", "pool_for"]
