export { mountViewer } from "./viewer";
