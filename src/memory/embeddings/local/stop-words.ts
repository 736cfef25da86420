/**
 * English function words that say nothing about what a memory is about. Written for Switchyard rather
 * than copied from a search engine's list: words that carry meaning in business and operations text
 * ("most", "top", "down", "over", "under", "first", "last", "new") are deliberately kept, because
 * questions hinge on them ("which segment has the most…", "when did the API go down").
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren as at be because been before being
  below between both but by can cannot could couldn did didn do does doesn doing don during each else
  ever for from further had hadn has hasn have haven having he her here hers herself him himself his how
  i if in into is isn it its itself just let me might mine must mustn my myself nor of on once only or
  other ought our ours ourselves own same shall shan she should shouldn so some such than that the
  their theirs them themselves then there these they this those through to too until very was wasn we
  were weren what whatever when where whether which while who whom whose why will with won would
  wouldn you your yours yourself yourselves also yet still via per etc e g ie eg s t d ll m re ve
  currently lately now right today tell know show give get got please us much many`
    .split(/\s+/)
    .filter(Boolean),
);
