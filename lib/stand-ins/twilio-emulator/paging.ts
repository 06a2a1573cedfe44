/**
 * Twilio-style list paging: PageSize (default 50, 1..1000, more refused), Page (echoed, client
 * state only), and PageToken "PA<sid>" (page after that record) or "PB<sid>" (page before it). Tokens address positions in the full
 * ordered list, so records deleted between pages do not shift later pages.
 */
export interface PageRequest {
  pageSize: number;
  page: number;
  token: { direction: 'after' | 'before'; sid: string } | undefined;
}

export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

export const parsePageRequest = (query: URLSearchParams): PageRequest => {
  const rawSize = query.get('PageSize');
  const pageSize = rawSize === null ? 50 : Number(rawSize);
  // The spec's PageSize is 1..1000: more is refused, not quietly clamped.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new InvalidQueryError(`invalid PageSize ${rawSize}: 1 to 1000`);
  }
  const rawPage = query.get('Page');
  const page = rawPage === null ? 0 : Number(rawPage);
  if (!Number.isInteger(page) || page < 0) throw new InvalidQueryError(`invalid Page ${rawPage}`);
  const rawToken = query.get('PageToken');
  let token: PageRequest['token'];
  if (rawToken !== null) {
    const match = /^P([AB])(.+)$/.exec(rawToken);
    if (!match?.[2]) throw new InvalidQueryError('invalid PageToken');
    token = { direction: match[1] === 'A' ? 'after' : 'before', sid: match[2] };
  }
  return { pageSize, page, token };
};

export interface PageResult<T> {
  items: T[];
  meta: {
    first_page_uri: string;
    next_page_uri: string | null;
    previous_page_uri: string | null;
    page: number;
    page_size: number;
    start: number;
    end: number;
    uri: string;
  };
}

/**
 * @param ordered every record in list order (including ones the filter drops)
 * @param filters query parameters to carry into the paging URIs (date filters, To, From)
 */
export const paginate = <T extends { sid: string }>(
  ordered: readonly T[],
  include: (item: T) => boolean,
  request: PageRequest,
  basePath: string,
  filters: URLSearchParams,
  requestUri: string,
): PageResult<T> => {
  const { pageSize, page, token } = request;
  let candidates: T[];
  let items: T[];
  if (token) {
    const position = ordered.findIndex((item) => item.sid === token.sid);
    if (position < 0) throw new InvalidQueryError('invalid PageToken');
    if (token.direction === 'after') {
      candidates = ordered.slice(position + 1).filter(include);
      items = candidates.slice(0, pageSize);
    } else {
      candidates = ordered.slice(0, position).filter(include);
      items = candidates.slice(Math.max(0, candidates.length - pageSize));
    }
  } else {
    // `Page` is "simply for client state" (Twilio's spec): only a PageToken moves the window.
    candidates = ordered.filter(include);
    items = candidates.slice(0, pageSize);
  }
  const uri = (pageNumber: number, pageToken?: string) => {
    const params = new URLSearchParams(filters);
    params.set('PageSize', String(pageSize));
    params.set('Page', String(pageNumber));
    if (pageToken) params.set('PageToken', pageToken);
    return `${basePath}?${params.toString()}`;
  };
  const first = items[0];
  const last = items.at(-1);
  const hasMore =
    token?.direction === 'before'
      ? last !== undefined && ordered.slice(ordered.indexOf(last) + 1).some(include)
      : candidates.length > items.length;
  const start = page * pageSize;
  return {
    items,
    meta: {
      first_page_uri: uri(0),
      next_page_uri: last && hasMore ? uri(page + 1, `PA${last.sid}`) : null,
      previous_page_uri: first && page > 0 ? uri(page - 1, `PB${first.sid}`) : null,
      page,
      page_size: pageSize,
      start,
      end: start + Math.max(items.length - 1, 0),
      uri: requestUri,
    },
  };
};
