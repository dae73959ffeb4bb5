// Survey page: questions that do not apply to the answers given so far are hidden.
import { branching } from "../survey/branching";

for (const form of document.querySelectorAll<HTMLFormElement>("form[data-survey-version]")) branching(form);
