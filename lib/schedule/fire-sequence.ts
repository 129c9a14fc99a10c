/** The instants a recurring schedule fires at, searched either way from any instant. */
export interface FireSequence {
  /** The first fire strictly after `instant`, or undefined when there is none within the search horizon. */
  next(instant: number): number | undefined;
  /** The last fire strictly before `instant`, or undefined when there is none within the search horizon. */
  prev(instant: number): number | undefined;
}
