import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ScorecardImageStore, ScorecardPicture } from '../core/scorecards/scorecards.types.js';
import type { SurveyPicture } from '../core/surveys/surveys.types.js';

/** How long a picture stays fetchable (chat history shows it that long; the text stays). */
export const PICTURE_TTL_MS = 30 * 86_400_000;
/** Where pictures are served, under the public URL. */
export const PICTURE_PATH = '/scorecard-images';

/** The PNG behind a picture URL this Tandem gave out (any base URL); null for another URL or an expired picture. */
export async function pictureBytes(images: Pick<ScorecardImageStore, 'get'>, now: Date, url: string): Promise<Buffer | null> {
  const id = new RegExp(`${PICTURE_PATH}/([A-Za-z0-9_-]{24})\\.png$`).exec(url)?.[1];
  return id ? images.get(id, now) : null;
}

/** Renders pictures (scorecards, survey results), keeps them under an unguessable id and gives their URL under the public base URL. */
export class HostedPictures {
  constructor(
    private readonly d: { images: ScorecardImageStore; clock: Clock; logger: Logger },
    private readonly baseUrl: () => string,
  ) {}

  // The charting libraries (ECharts, resvg) are loaded on the first picture, not at boot: they weigh tens of
  // megabytes of heap that a process busy with a check-in fan-out has no use for.
  readonly scorecard: ScorecardPicture = { url: (s) => this.host(async () => (await import('./scorecard-chart.js')).scorecardPng(s), 'scorecard') };
  readonly survey: SurveyPicture = { url: (results, groups) => this.host(async () => (await import('./survey-chart.js')).surveyPng(results, groups), 'survey results') };

  private async host(draw: () => Promise<Buffer | null>, what: string): Promise<string | null> {
    try {
      const png = await draw();
      if (!png) return null;
      const id = await this.d.images.put(png, new Date(this.d.clock.now().getTime() + PICTURE_TTL_MS));
      return `${this.baseUrl().replace(/\/$/, '')}${PICTURE_PATH}/${id}.png`;
    } catch (err) {
      // The text is the message; the picture is a convenience.
      this.d.logger.warn({ err, what }, 'picture not drawn');
      return null;
    }
  }
}
