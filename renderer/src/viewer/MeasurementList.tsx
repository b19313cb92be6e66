import type { Measurement } from '../../../common/contract/measurements';
import { lengthText } from './measurements';
import './measurements.css';

/**
 * The lengths on the image shown, under the corner text: a click on one picks it (as a
 * click on its line does), its ✕ deletes it. A failed save says so here.
 */
export function MeasurementList(props: {
  items: Measurement[];
  selected: string | null;
  pixelSpacing: [number, number] | null;
  onSelect: (id: string | null) => void;
  onDelete: (id: string) => void;
  error: string | null;
  onDismissError: () => void;
}) {
  const { items, selected } = props;
  return (
    <>
      {items.length > 0 && (
        <ul className="measure-list" data-testid="measurements" aria-label="Measurements on this image">
          {items.map((m, i) => (
            <li key={m.id} className={m.id === selected ? 'selected' : ''}>
              <button className="measure-pick" aria-pressed={m.id === selected} onClick={() => props.onSelect(m.id === selected ? null : m.id)} onPointerDown={(e) => e.stopPropagation()}>
                Length {i + 1}: {lengthText(m.points, props.pixelSpacing)}
              </button>
              <button className="measure-delete" aria-label={`Delete length ${i + 1}`} title="Delete (Del)" onClick={() => props.onDelete(m.id)} onPointerDown={(e) => e.stopPropagation()}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {props.error && (
        <div className="measure-error" role="alert">
          {props.error}{' '}
          <button className="measure-delete" aria-label="Dismiss" onClick={props.onDismissError} onPointerDown={(e) => e.stopPropagation()}>
            ✕
          </button>
        </div>
      )}
    </>
  );
}
