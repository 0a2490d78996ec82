"""The public board's words, per language, and its numbers and months as each language writes
them (Babel). English and Spanish are written here; another language is offered on an
agency's board once it has a catalogue below (the keys of ``TEXT["en"]``, translated)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "skip": "Skip to content",
        "title": "What residents told {agency}",
        "intro": (
            "After a call for service, {agency} sends the caller one text to ask how it went. "
            "These are the answers about calls closed from {start} to {end}."
        ),
        "so_far": "so far",
        "replies": "Replies",
        "replies_help": "Check-ins that got an answer",
        "reply_rate": "Reply rate",
        "reply_rate_help": "Check-ins answered, of all sent",
        "rating_mean": "Mean rating",
        "rating_mean_help": "Out of 5, of the replies that gave a rating",
        "satisfied_share": "Satisfied",
        "satisfied_share_help": "Ratings of 4 or 5, of the replies that gave a rating",
        "sla_share": "Callbacks on time",
        "sla_share_help": "Callbacks resolved within the time the agency promises",
        "too_few": "too few replies",
        "year": "Twelve months",
        "month": "Month",
        "trend": "Month by month",
        "chart_title": "Share satisfied and reply rate, month by month",
        "chart_desc": (
            "Two lines from {start} to {end}: the share satisfied and the reply rate, in "
            "percent. Months with too few replies are gaps. The table below has the same "
            "figures."
        ),
        "comments": "What residents wrote",
        "commendations": "Commendations",
        "no_comments": "No comments published yet.",
        "no_commendations": "No commendations published yet.",
        "rated": "Rated {rating} of 5",
        "filters": "Filter",
        "district": "District",
        "shift": "Shift",
        "all": "All",
        "show": "Show",
        "shift_day": "Day (07-15)",
        "shift_evening": "Evening (15-23)",
        "shift_night": "Night (23-07)",
        "filtered_comments": "Comments are shown for the whole agency, without a filter.",
        "about": "About these figures",
        "about_small": (
            "No figure is shown from fewer than {minimum} replies (\u201ctoo few replies\u201d), "
            "so that nobody can be picked out; a month is sometimes hidden for the same reason "
            "when the year is shown."
        ),
        "about_comments": (
            "Comments are published only after staff have read them and removed names, numbers, "
            "addresses and plates. Replies about danger, and complaints about an officer's "
            "conduct, are never published here: a commander calls the person back."
        ),
        "as_of": "Figures as of {time}.",
        "open_data": "Open data",
        "download": "The same figures to download:",
        "language": "Language",
        "full_board": "Full board and open data",
        "not_found_title": "Page not found",
        "not_found": (
            "There is no public page at this address. Check the address, or ask the agency "
            "for the link to its feedback board."
        ),
        "error_title": "This page is not available",
        "error": "This page cannot be shown just now. Try again in a few minutes.",
    },
    "es": {
        "language_name": "Español",
        "skip": "Saltar al contenido",
        "title": "Lo que los vecinos le dijeron a {agency}",
        "intro": (
            "Después de una llamada de servicio, {agency} envía un mensaje de texto a quien "
            "llamó para preguntarle cómo le fue. Estas son las respuestas sobre llamadas "
            "cerradas del {start} al {end}."
        ),
        "so_far": "hasta ahora",
        "replies": "Respuestas",
        "replies_help": "Mensajes que recibieron respuesta",
        "reply_rate": "Tasa de respuesta",
        "reply_rate_help": "Mensajes respondidos, de todos los enviados",
        "rating_mean": "Calificación media",
        "rating_mean_help": "Sobre 5, de las respuestas que dieron una calificación",
        "satisfied_share": "Satisfechos",
        "satisfied_share_help": "Calificaciones de 4 o 5, de las respuestas con calificación",
        "sla_share": "Llamadas de seguimiento a tiempo",
        "sla_share_help": "Llamadas resueltas dentro del plazo que promete la agencia",
        "too_few": "muy pocas respuestas",
        "year": "Doce meses",
        "month": "Mes",
        "trend": "Mes a mes",
        "chart_title": "Satisfechos y tasa de respuesta, mes a mes",
        "chart_desc": (
            "Dos líneas del {start} al {end}: satisfechos y tasa de respuesta, en porcentaje. "
            "Los meses con muy pocas respuestas quedan en blanco. La tabla de abajo tiene las "
            "mismas cifras."
        ),
        "comments": "Lo que escribieron los vecinos",
        "commendations": "Felicitaciones",
        "no_comments": "Aún no hay comentarios publicados.",
        "no_commendations": "Aún no hay felicitaciones publicadas.",
        "rated": "Calificó {rating} de 5",
        "filters": "Filtrar",
        "district": "Distrito",
        "shift": "Turno",
        "all": "Todos",
        "show": "Mostrar",
        "shift_day": "Día (07-15)",
        "shift_evening": "Tarde (15-23)",
        "shift_night": "Noche (23-07)",
        "filtered_comments": "Los comentarios se muestran para toda la agencia, sin filtro.",
        "about": "Sobre estas cifras",
        "about_small": (
            "No se muestra ninguna cifra con menos de {minimum} respuestas (\u201cmuy pocas "
            "respuestas\u201d), para que nadie pueda ser identificado; por la misma razón, a "
            "veces se oculta también otro mes."
        ),
        "about_comments": (
            "Los comentarios se publican solo después de que el personal los lee y quita "
            "nombres, números, direcciones y placas. Las respuestas sobre un peligro y las "
            "quejas sobre la conducta de un agente nunca se publican aquí: un comandante "
            "devuelve la llamada."
        ),
        "as_of": "Cifras al {time}.",
        "open_data": "Datos abiertos",
        "download": "Las mismas cifras para descargar:",
        "language": "Idioma",
        "full_board": "Panel completo y datos abiertos",
        "not_found_title": "Página no encontrada",
        "not_found": (
            "No hay ninguna página pública en esta dirección. Revise la dirección o pida a la "
            "agencia el enlace a su panel de opiniones."
        ),
        "error_title": "Esta página no está disponible",
        "error": "Esta página no se puede mostrar ahora. Inténtelo de nuevo en unos minutos.",
    },
}


def languages_for(default_language: str, languages: list[str] | None) -> list[str]:
    """The board's languages: English and Spanish, then the agency's own (those with a
    catalogue); the agency's default first."""
    wanted = [default_language, "en", "es", *(languages or [])]
    found: list[str] = []
    for code in wanted:
        code = (code or "").lower()[:2]
        if code in TEXT and code not in found:
            found.append(code)
    return found


class Words:
    """One language's words and formats, for a template: ``t("title", agency=...)``."""

    def __init__(self, language: str):
        self.language = language if language in TEXT else "en"
        self.text = TEXT[self.language]

    def __call__(self, key: str, **values) -> str:
        return self.text[key].format(**values) if values else self.text[key]

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.language)

    def decimal(self, value: float) -> str:
        return format_decimal(value, format="0.0", locale=self.language)

    def figure(self, name: str, value) -> str:
        """A figure as the board writes it; None is "too few replies"."""
        if value is None:
            return self("too_few")
        if name == "rating_mean":
            return self.decimal(value)
        if name == "replies":
            return format_decimal(value, locale=self.language)
        return self.percent(value)

    def month(self, first_day: date) -> str:
        return format_date(first_day, "LLLL y", locale=self.language)

    def short_month(self, first_day: date) -> str:
        return format_date(first_day, "LLL", locale=self.language)

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.language)

    def moment(self, value: datetime) -> str:
        """A local time: its day and hour."""
        time = format_time(value, "short", tzinfo=value.tzinfo, locale=self.language)
        return f"{self.day(value.date())}, {time}"
