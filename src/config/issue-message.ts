import type { z } from 'zod';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
};

const plural = (n: number | bigint, one: string, many: string): string => `${n} ${Number(n) === 1 ? one : many}`;

/**
 * Zod error map for configuration: says what is expected in the words of a YAML file. Sections
 * that carry their own message (`expected an integer from 1 to 65535`) keep it; zod applies
 * this map only to the others. The found value is appended later (`, got ...`).
 */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'string')
        return Number(min) === 1
          ? 'expected a non-empty string'
          : `expected at least ${plural(min, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `expected a list of at least ${plural(min, 'item', 'items')}`;
      return issue.inclusive ? `expected a number of ${min} or more` : `expected a number greater than ${min}`;
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'string') return `expected at most ${plural(max, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `expected a list of at most ${plural(max, 'item', 'items')}`;
      return issue.inclusive ? `expected a number of ${max} or less` : `expected a number less than ${max}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${String(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `expected text matching ${String(issue.pattern)}`
        : `expected a valid ${issue.format}`;
    case 'invalid_union':
      return 'expected one of the allowed forms';
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return undefined;
  }
};
