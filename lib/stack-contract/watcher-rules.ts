/**
 * `<prefix>-watch-`: the names of the EventBridge rules dag-sync makes for asset watchers all start with it, and
 * dag-sync's grants and the trigger's permission for EventBridge are limited to rules under it.
 */
export const watcherRuleNamePrefix = (namePrefix: string): string => `${namePrefix}-watch-`;
