import { describe, expect, it } from 'vitest';
import { InvalidScheduleError, parseSchedule } from '../../src/plan/schedule.ts';

describe('parseSchedule', () => {
  it.each([
    ['rate(1 minute)', 'rate', 1],
    ['rate(15 minutes)', 'rate', 15],
    ['rate(1 hour)', 'rate', 60],
    ['rate(6 hours)', 'rate', 360],
    ['rate(1 day)', 'rate', 1440],
    ['cron(0 * * * ? *)', 'cron', 60],
    ['cron(*/15 * * * ? *)', 'cron', 15],
    ['cron(0/30 * * * ? *)', 'cron', 30],
    ['cron(5,35 * * * ? *)', 'cron', 30],
    ['cron(0 2 * * ? *)', 'cron', 1440],
    ['cron(0 0,6,12 * * ? *)', 'cron', 720],
    ['cron(0 9-17 * * ? *)', 'cron', 960],
    ['cron(0 8 ? * MON-FRI *)', 'cron', undefined],
    ['cron(0 10 ? * 6L 2025-2030)', 'cron', undefined],
    ['cron(15 10 ? * FRI#2 *)', 'cron', undefined],
    ['cron(0 18 L * ? *)', 'cron', undefined],
    ['cron(0 18 15W * ? *)', 'cron', undefined],
    ['cron(0 0 1 jan,jul ? *)', 'cron', undefined],
  ])('accepts %s (%s, longest gap %s minutes)', (expression, kind, interval) => {
    // Arrange
    const text = expression;

    // Act
    const schedule = parseSchedule(text);

    // Assert
    expect(schedule).toEqual({ kind, expression, intervalMinutes: interval });
  });

  it.each([
    ['every hour', 'expected rate(<value> <unit>) or cron(<six fields>)'],
    ['rate(1 hours)', 'a value of 1 takes the singular unit: rate(1 hour)'],
    ['rate(5 minute)', 'a value above 1 takes the plural unit: rate(5 minutes)'],
    ['rate(0 minutes)', 'the rate value must be a positive integer'],
    ['rate(1 week)', 'expected rate(<value> <unit>) with unit minute(s), hour(s) or day(s)'],
    ['rate(1.5 hours)', 'expected rate(<value> <unit>)'],
    ['cron(0 * * * ?)', 'expected 6 fields'],
    ['cron(0 * * * ? *', 'missing ")"'],
    ['cron(0 * * * * *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 * ? * ? *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(60 * * * ? *)', 'minutes field "60": "60" is not a value from 0 to 59'],
    ['cron(0 24 * * ? *)', 'hours field "24": "24" is not a value from 0 to 23'],
    ['cron(0 0 32 * ? *)', 'day-of-month field "32"'],
    ['cron(0 0 1 13 ? *)', 'month field "13": "13" is not a value from 1 to 12 or JAN-DEC'],
    ['cron(0 0 ? * 8 *)', 'day-of-week field "8": "8" is not a value from 1 to 7 or SUN-SAT'],
    ['cron(0 0 ? * FRI#6 *)', 'day-of-week field "FRI#6"'],
    ['cron(0 0 ? * MON/2 *)', 'day-of-week field "MON/2": "/" is not allowed in this field'],
    ['cron(0/0 * * * ? *)', 'step "0" must be a positive integer'],
    ['cron(? * * * ? *)', 'minutes field "?": "?" is only allowed in day-of-month and day-of-week'],
    ['cron(0 0 1 * ? 1969)', 'year field "1969"'],
    ['cron(0,,5 * * * ? *)', 'empty list element'],
  ])('rejects %s: %s', (expression, reason) => {
    // Arrange
    const text = expression;

    // Act
    const error = (() => {
      try {
        parseSchedule(text);
      } catch (caught) {
        return caught as Error;
      }
    })();

    // Assert
    expect(error).toBeInstanceOf(InvalidScheduleError);
    expect(error?.message).toContain(`schedule ${JSON.stringify(expression)}: `);
    expect(error?.message).toContain(reason);
  });
});
