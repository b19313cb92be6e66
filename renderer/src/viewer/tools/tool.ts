// What every viewer tool is: a toolbar button with a key, and what a drag with it does.
// The viewport (usePointer.ts) turns pointer events into drags; a tool only says what a
// drag changes. Measurement tools also draw their measurements (see MeasurementTool).
import type { Measurement } from '../../../../common/contract/measurements';
import type { LoadedFrame } from '../image';
import type { LabelBox, Segment } from '../labelPlacement';
import type { Point } from '../measurements';
import type { Geometry, ViewState } from '../transform';

export type ToolId = 'wl' | 'pan' | 'zoom' | 'length' | 'rectangle' | 'ellipse' | 'angle' | 'probe';

/** A measurement being drawn, on the image it was started on ("sop/frame"). */
export interface Draft {
  kind: Measurement['kind'];
  image: string;
  points: Point[];
}

/** One pointer drag: where it started and where it is now, in viewport CSS pixels and in image pixels. */
export interface Drag {
  /** The view when the drag started: view tools change it relative to this. */
  startView: ViewState;
  startScreen: Point;
  screen: Point;
  startImage: Point;
  image: Point;
}

/** What a tool may read and change while it handles a drag. */
export interface ToolContext {
  geometry: Geometry;
  frame: LoadedFrame;
  /** The image shown ("sop/frame"). */
  shownImage: string;
  setView(view: ViewState): void;
  /** The window preset shown in the toolbar ('custom' once the window is dragged). */
  setPreset(id: string): void;
  setDraft(update: (draft: Draft | null) => Draft | null): void;
  /** Keeps a finished measurement on the image shown (in the library, with undo). */
  addMeasurement(kind: Measurement['kind'], points: Point[]): void;
}

export interface ViewerTool {
  id: ToolId;
  /** The button's name for screen readers and its tooltip. */
  label: string;
  /** The key that picks the tool (either case). */
  key: string;
  icon: string;
  /** The viewport's CSS class while the tool is active (its cursor). */
  start?(drag: Drag, ctx: ToolContext): void;
  move(drag: Drag, ctx: ToolContext): void;
  /** The drag ended (after a last `move` to where it ended); `draft` is what start and move drew, if anything. Measurement tools only. */
  end?(drag: Drag, ctx: ToolContext, draft: Draft | null): void;
  /** A tool drawn in several drags (the angle) keeps its unfinished draft between them. */
  keepDraft?(draft: Draft | null): boolean;
}

/** How a measurement tool draws its kind of measurement, saved or being drawn. */
export interface DrawnMeasurement {
  points: readonly Point[];
  selected: boolean;
}

export interface DrawContext {
  /** In CSS pixels of the viewport (the transform already holds the device pixel ratio). */
  ctx: CanvasRenderingContext2D;
  toScreen(x: number, y: number): Point;
  frame: LoadedFrame;
  size: { w: number; h: number };
  /** The readings placed so far in this paint (labelPlacement.ts): a label keeps clear of them. */
  labels: LabelBox[];
  /** What every measurement of this paint draws (MeasurementTool.marks): a label keeps off it where it can. */
  marks: readonly Segment[];
}

/** A tool that makes measurements of one kind, kept in the library and drawn over the image. */
export interface MeasurementTool extends ViewerTool {
  kind: Measurement['kind'];
  draw(items: readonly DrawnMeasurement[], dc: DrawContext): void;
  /** The lines one measurement draws, in viewport CSS pixels (a reading keeps off them). */
  marks(points: readonly Point[], toScreen: (x: number, y: number) => Point): Segment[];
}

export function isMeasurementTool(tool: ViewerTool): tool is MeasurementTool {
  return 'kind' in tool;
}
