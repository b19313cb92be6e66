// Ellipse ROI: a drag across the box it fills; area (mm²) and mean, SD, min, max in modality units.
import { regionTool } from './region';

export const ellipseTool = regionTool('ellipse', { label: 'Ellipse region (area, mean, SD)', key: 'E', icon: '◯' });
