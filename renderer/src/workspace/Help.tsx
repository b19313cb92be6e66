import { useModalDialog } from '../useModalDialog';

export const SHORTCUTS: [string, string][] = [
  ['↑ / ↓, ← / →, Page Up / Page Down, wheel', 'Previous / next image'],
  ['Home / End', 'First / last image'],
  ['Comma · Full stop', 'Previous · next image with a label of its own (marked beside the image slider, coloured by class; a frame, in a multi-frame file)'],
  ['G · Shift + G', 'Next · previous place where slices are missing from the series (the ⚠ note over the image; marked across the image slider)'],
  ['Space', 'Play / stop cine'],
  ['W · P · Z · L', 'Tool: window/level · pan · zoom · length'],
  ['B · E · N · V', 'Tool: rectangle · ellipse region (area, mean, SD, min, max) · angle (two drags) · probe (pixel value)'],
  ['Right drag · middle drag', 'Zoom · pan (whatever the tool)'],
  ['+ · −', 'Zoom in · out'],
  ['Shift + ← → ↑ ↓', 'Pan'],
  ['Ctrl + wheel', 'Zoom'],
  ['1', 'File window, or Full range where the file has none'],
  ['2 · 3 · 4 · 5 · 6', 'CT brain · lung · abdomen · bone · mediastinum'],
  ['1–9 · Shift+1–9 · 0', 'In the Training tab: give the series · this image (this frame, in a multi-frame file) the class of that number, as the tab lists them · clear the series and this image (instead of presets)'],
  ['U', 'In the Training tab: open the next series without a label (then 1–9 to label it, U again for the next)'],
  ['Ctrl+click · Shift+click · Shift+↑/↓', 'In the study list: select several series; the Training tab\'s 1–9 · 0 then label · clear all of them at once'],
  ['↑ ↓ · Page Up · Page Down · Home · End', 'On a study\'s header: the study above or below, a page up or down, the first or the very last study (later pages load as you go)'],
  ['Delete · right-click', 'On a study\'s header: remove the study from the library (asks first, naming what goes; the files stay, Undo puts it back) · right-click a series: remove the series'],
  ['↑ ↓ · Page Up · Page Down · Home · End', 'In the PACS tab\'s results: the study above or below, eight studies up or down, the first or the last study'],
  ['→, Enter · ←', 'In the PACS tab\'s results: list a study\'s series · close the list'],
  ['Esc', 'In the PACS tab\'s search form: fold it back to one line (once a search has found studies)'],
  ['F · A', 'Fit · actual size (1:1)'],
  ['I', 'Invert'],
  ['R · X · Y', 'Rotate 90° · flip horizontal · flip vertical'],
  ['Shift + R', 'Reset the view'],
  ['Click a measurement', 'Select it, on the image or in its list (click elsewhere to let go)'],
  ['Delete · Backspace', 'Delete the selected measurement (in the Training tab, Delete clears the labels when none is selected)'],
  ['Ctrl + Z · Ctrl + Shift + Z, Ctrl + Y', 'Undo · redo drawing or deleting a measurement'],
  ['H', 'Heatmap on / off'],
  ['[ · ]', 'Hide / show the study list · the Classifier and Training panel (the viewer takes the width; remembered)'],
  ['F6 · Shift+F6', 'The next · previous area: top bar, study list, viewer, side panel (each gets back the control last focused in it)'],
  ['Tab', 'The study list is one stop: Tab enters it at the study last focused (its header, then its series) and goes on past it; ↑ ↓ move between studies'],
  ['?', 'This help'],
  ['F1', 'About Lumen'],
  ['Ctrl + ,', 'Settings'],
  ['Esc', 'Close dialogs'],
];

/**
 * A row's keys, each in its own box that never breaks inside ("Page Down" stays whole): the row
 * wraps between keys, at their separators (" · ", ", ").
 */
function Keys({ keys }: { keys: string }) {
  return (
    <>
      {keys.split(/( · |, )/).map((part, i) => (i % 2 ? part : <kbd key={i} style={{ whiteSpace: 'nowrap' }}>{part}</kbd>))}
    </>
  );
}

export function Help({ onClose }: { onClose: () => void }) {
  const dialog = useModalDialog<HTMLElement>(onClose);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal" role="dialog" aria-modal="true" aria-labelledby="help-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header" role="none">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button className="icon-button" title="Close (Esc)" onClick={onClose}>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              // A key can be listed twice, for two places: the row's key is both cells.
              <tr key={`${k}\n${what}`}>
                <td><Keys keys={k} /></td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
