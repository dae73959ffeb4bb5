import { init as initCore } from "@cornerstonejs/core";
import {
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as initTools,
} from "@cornerstonejs/tools";

type ToolGroup = NonNullable<ReturnType<typeof ToolGroupManager.createToolGroup>>;

const { MouseBindings, KeyboardBindings } = ToolEnums;

/**
 * Start Cornerstone3D once per page and make the viewer's one tool group: left drag
 * window/level, middle drag (or Shift + left) pan, right drag zoom, wheel slices,
 * Ctrl + wheel zoom.
 */
export function startCornerstone(toolGroupId: string): ToolGroup {
  initCore();
  initTools();
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) addTool(tool);
  const group = ToolGroupManager.createToolGroup(toolGroupId);
  if (!group) throw new Error("NeuroReview: could not create the viewer's tool group");
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool]) group.addTool(tool.toolName);
  group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  group.setToolActive(PanTool.toolName, {
    bindings: [
      { mouseButton: MouseBindings.Auxiliary },
      { mouseButton: MouseBindings.Primary, modifierKey: KeyboardBindings.Shift },
    ],
  });
  group.setToolActive(ZoomTool.toolName, {
    bindings: [
      { mouseButton: MouseBindings.Secondary },
      { mouseButton: MouseBindings.Wheel, modifierKey: KeyboardBindings.Ctrl },
    ],
  });
  group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
  return group;
}
