/** Airflow's cron presets; `@once` is not a cron but a single run at the start date. */
export const PRESETS: Readonly<Record<string, string>> = {
  '@once': '@once',
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

export const PRESET_NAMES = ['@once', '@hourly', '@daily', '@weekly', '@monthly', '@quarterly', '@yearly'];
