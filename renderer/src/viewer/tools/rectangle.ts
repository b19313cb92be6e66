// Rectangle ROI: a drag from corner to corner; area (mm²) and mean, SD, min, max in modality units.
import { regionTool } from './region';

export const rectangleTool = regionTool('rectangle', { label: 'Rectangle region (area, mean, SD)', key: 'B', icon: '▭' });
