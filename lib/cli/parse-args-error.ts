import { didYouMean } from './suggest.ts';

/**
 * `parseArgs`'s complaint as one line of ours: Node's own text is long, names no command and, for
 * an unknown option with positionals allowed, ends in an unclosed quote.
 */
export const describeParseArgsError = (error: unknown, candidates: readonly string[]): string => {
  const { code, message = '' } = error as { code?: string; message?: string };
  const quoted = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    return `unknown option ${quoted}${didYouMean(quoted, candidates)}`;
  }
  const option = /^Option '(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return message.includes('argument missing')
      ? `${option} needs a value`
      : `${option} takes no value`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional !== undefined) {
    return `unexpected argument "${positional}"`;
  }
  return message.split('\n', 1)[0] || 'bad arguments';
};
