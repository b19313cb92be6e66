// The viewer's tools, in toolbar order. A new tool is one file in this folder, listed here.
import { angleTool } from './angle';
import { ellipseTool } from './ellipse';
import { lengthTool } from './length';
import { panTool } from './pan';
import { probeTool } from './probe';
import { rectangleTool } from './rectangle';
import { isMeasurementTool, type MeasurementTool, type ToolId, type ViewerTool } from './tool';
import { windowLevelTool } from './windowLevel';
import { zoomTool } from './zoom';

export const TOOLS: readonly ViewerTool[] = [windowLevelTool, panTool, zoomTool, lengthTool, rectangleTool, ellipseTool, angleTool, probeTool];

export function toolById(id: ToolId): ViewerTool {
  return TOOLS.find((t) => t.id === id) ?? windowLevelTool;
}

/** The tool that draws measurements of `kind`, or undefined for a kind this viewer does not know. */
export function measurementTool(kind: string): MeasurementTool | undefined {
  return TOOLS.filter(isMeasurementTool).find((t) => t.kind === kind);
}

export { panTool, zoomTool };
export type { Draft, Drag, ToolContext, ToolId, ViewerTool } from './tool';
