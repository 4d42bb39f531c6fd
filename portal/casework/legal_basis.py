"""The legal basis a decision cites, and where it is contested: the words of the law, in Latvian (the
official text) and in Russian (the explanation beside it). Data, in one place, for a lawyer to correct.

UNVERIFIED: beyond points 2 and 3 (checked, see BASIS), the point numbers of Cabinet Regulation No. 316 of
18 May 2021 ("Noteikumi par asistenta, pavadoņa un aprūpes pakalpojumu personām ar invaliditāti") below are
the domain guide's reading of which part of the regulation governs each kind (who is entitled, the hours,
the period), not checked against the published text (likumi.lv/ta/id/323301); so is the name of the body that hears a contest, which
differs by municipality (most have an administrative-acts disputes commission). The Administrative
Procedure Law's articles are: 67 (what a written act contains), 70 (it comes into force when notified),
76 and 77 (contested to the higher institution, for a municipality its commission), 79 (within one month).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.applications.rules import ServiceKind

# As the document cites it, after the points (Latvian and Russian genitive).
REGULATION_LV = "Ministru kabineta 2021. gada 18. maija noteikumu Nr. 316 “Noteikumi par asistenta, pavadoņa un aprūpes pakalpojumu personām ar invaliditāti”"
REGULATION_RU = "Правил Кабинета министров № 316 от 18 мая 2021 года «Правила об услугах ассистента, сопровождающего и по уходу для лиц с инвалидностью»"


@dataclass(frozen=True)
class Basis:
    """The points of Regulation 316 a decision on this kind rests on (UNVERIFIED, see the module)."""

    points_lv: str
    points_ru: str


# Point 2 (the social service of the declared residence provides the services) and point 3 (it assesses an
# adult's need and support intensity and sets the hours, with Annex 1) are checked against the published text
# (vestnesis.lv/ta/id/323301); the other kinds' points are not (UNVERIFIED).
BASIS: dict[ServiceKind, Basis] = {
    ServiceKind.ADULT_ASSISTANT: Basis("2. un 3. punkts un 1. pielikums", "Пункты 2 и 3 и приложение 1"),
    ServiceKind.CHILD_ASSISTANT: Basis("2. un 8. punkts", "Пункты 2 и 8"),
    ServiceKind.CHILD_COMPANION: Basis("2., 10. un 11. punkts", "Пункты 2, 10 и 11"),
    ServiceKind.CHILD_CARE: Basis("2., 13. un 14. punkts", "Пункты 2, 13 и 14"),
    ServiceKind.SCHOOL_ASSISTANT: Basis("2. punkts", "Пункт 2"),
    ServiceKind.STUDY_ASSISTANT: Basis("2., 3. un 9. punkts", "Пункты 2, 3 и 9"),
}

# The Administrative Procedure Law (Administratīvā procesa likums), likumi.lv/ta/id/55567.
LAW_LV = "Administratīvā procesa likuma"  # genitive, after the articles
LAW_RU = "Закона об административном процессе"
ACT_ARTICLES_LV = "67. pants"
ACT_ARTICLES_RU = "статья 67"
APPEAL_ARTICLES_LV = "70. panta pirmā daļa, 76. panta otrā daļa, 77. pants un 79. panta pirmā daļa"
APPEAL_ARTICLES_RU = "часть первая статьи 70, часть вторая статьи 76, статья 77 и часть первая статьи 79"
# UNVERIFIED per municipality: the body that hears a contest of the social service's decision.
# Dative in Latvian ("iesniedzot iesniegumu ... komisijai"), the municipality named in the document's head.
APPEAL_BODY_LV = "šīs pašvaldības Administratīvo aktu strīdu komisijai"
APPEAL_BODY_RU = "в комиссию по спорам об административных актах этого самоуправления"
COURT_LV = "Administratīvajā rajona tiesā"
COURT_RU = "в Административный районный суд"
