// "⚠ Outside the training data" over the viewport when the shown image's prediction says its
// image is unlike the model's training data (models/package/domain.ts): the reasons on hover
// and, clicked, listed under it. Nothing for an image inside it or a package that records no
// training domain (the Classifier panel says "training domain unknown").
import type { ImageScores } from '../../../common/contract/models';
import './domain-warning.css';

export const DOMAIN_HELP =
  'The model was trained on other kinds of images than this one, so its score may mean little here. The check compares this image with the training data the package records (its DICOM header, and how far its features lie from those of the training images); it is a warning, not a guarantee either way.';

export function DomainWarning({ domain }: { domain: ImageScores['domain'] }) {
  if (!domain?.outside) return null;
  return (
    <details className="domain-warning" data-testid="domain-warning" title={[...domain.reasons, '', DOMAIN_HELP].join('\n')}>
      <summary>⚠ Outside the training data</summary>
      <ul>
        {domain.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <p className="domain-help">{DOMAIN_HELP}</p>
    </details>
  );
}
