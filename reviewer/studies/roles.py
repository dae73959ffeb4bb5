"""Who designs and analyses surveys and reader studies. Everyone reads what they are enrolled
in; each page and endpoint checks the object too."""

from reviewer.core.models import Role

SURVEY_DESIGNERS = (Role.RESEARCHER, Role.ADMIN)
SURVEY_ANALYSTS = (Role.RESEARCHER, Role.ADMIN)
STUDY_DESIGNERS = (Role.RESEARCHER, Role.ADMIN)
EVERY_ROLE = tuple(Role.values)
