/**
 * A removal's stored scores in words, by what each scores (common/contract/library-remove.ts
 * RemovalCounts): "5 image scores, 1 series score". One count of "predictions" added a series
 * head's score to the frames' and said "6 predictions" for a 5-frame image scored once as a series.
 */
import { countOf } from './counts';

export interface ScoreCounts {
  /** Scores of one image or one frame of a multi-frame file. */
  imageScores: number;
  /** Scores of a whole series (a series head's, or a series-level prediction). */
  seriesScores: number;
  /** Scores of a whole study. */
  studyScores: number;
}

/** The non-zero counts: ["5 image scores", "1 series score"]; [] when there are none. */
export function scoreWords(c: ScoreCounts): string[] {
  return [
    ...(c.imageScores ? [countOf(c.imageScores, 'image score')] : []),
    ...(c.seriesScores ? [countOf(c.seriesScores, 'series score')] : []),
    ...(c.studyScores ? [countOf(c.studyScores, 'study score')] : []),
  ];
}
