export { drawDashboard, fetchDashboard } from "./charts";
export { alarmFigure, axisLabel, dashboardFigures, gradeFigure, lesionFigure } from "./figures";
export type { Figure } from "./figures";
