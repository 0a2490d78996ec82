"""The case page's words, per language. English and Spanish are written here; a link sent in
another language shows the page in English (the keys of ``TEXT["en"]``, translated, add one)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "language": "Language",
        "title": "Your case with {agency}",
        "case": "Case {case}",
        "intro": "The updates {agency} has texted you about this case, newest first.",
        "none": "No updates yet. {agency} will text you when there is one.",
        "texted": "Texted {day}",
        "detective_assigned": "A detective was assigned to your case",
        "arrest_made": "An arrest was made in your case",
        "report_available": "The report is available",
        "case_closed": "Your case was closed",
        "property_ready": "Your property is ready to be picked up",
        "court_date": "A court date was set",
        "warrant_issued": "A warrant was issued in your case",
        "referred_to_prosecutor": "Your case was sent to the prosecutor's office for review",
        "custom": "An update on your case (see the text)",
        "report_number": "Report number",
        "court_date_value": "Court date",
        "detective_phone": "Detective's phone",
        "questions": "Questions? Reply to the text, or call {phone}.",
        "questions_no_phone": "Questions? Reply to the text.",
        "resources": "Victim services",
        "emergency": "In an emergency call 911.",
        "private": (
            "This page is private to you: anyone with the link can open it. It shows only what "
            "the texts already said, and stops working after a while."
        ),
        "missing_title": "This link does not work",
        "missing": (
            "The link may be mistyped or no longer valid. The texts you received still say "
            "everything about your case; reply to one of them, or call the non-emergency "
            "number of the police."
        ),
    },
    "es": {
        "language_name": "Español",
        "language": "Idioma",
        "title": "Su caso con {agency}",
        "case": "Caso {case}",
        "intro": (
            "Las novedades sobre este caso que {agency} le envió por mensaje, de la más "
            "reciente a la más antigua."
        ),
        "none": "Aún no hay novedades. {agency} le avisará por mensaje cuando haya alguna.",
        "texted": "Enviado el {day}",
        "detective_assigned": "Se asignó un detective a su caso",
        "arrest_made": "Se realizó un arresto en su caso",
        "report_available": "El informe está disponible",
        "case_closed": "Su caso fue cerrado",
        "property_ready": "Sus pertenencias están listas para recoger",
        "court_date": "Se fijó una fecha de corte",
        "warrant_issued": "Se emitió una orden judicial en su caso",
        "referred_to_prosecutor": "Su caso fue enviado a la fiscalía para su revisión",
        "custom": "Una novedad sobre su caso (vea el mensaje)",
        "report_number": "Número de informe",
        "court_date_value": "Fecha de corte",
        "detective_phone": "Teléfono del detective",
        "questions": "¿Preguntas? Responda al mensaje o llame al {phone}.",
        "questions_no_phone": "¿Preguntas? Responda al mensaje.",
        "resources": "Servicios a víctimas",
        "emergency": "En una emergencia llame al 911.",
        "private": (
            "Esta página es privada: cualquiera que tenga el enlace puede abrirla. Muestra solo "
            "lo que ya decían los mensajes y deja de funcionar después de un tiempo."
        ),
        "missing_title": "Este enlace no funciona",
        "missing": (
            "Puede que el enlace esté mal escrito o ya no sea válido. Los mensajes que recibió "
            "dicen todo sobre su caso; responda a uno de ellos o llame al número de la policía "
            "para casos que no son emergencias."
        ),
    },
}
LANGUAGES = tuple(TEXT)


def language_of(tag: str | None) -> str:
    """The page's language for a text's language tag: its own if written here, else English."""
    primary = (tag or "").split("-")[0].lower()
    return primary if primary in TEXT else "en"


class Words:
    """``words("title", agency=...)``: a phrase in one language, English when it lacks one."""

    def __init__(self, language: str):
        self.language = language_of(language)

    def __call__(self, key: str, **values: str) -> str:
        phrase = TEXT[self.language].get(key) or TEXT["en"][key]
        return phrase.format(**values) if values else phrase
