// The query parameters both OpenAPI documents (v3 and the v2 kubectl 1.27
// reads) declare; each document renders them in its own format.
export interface QueryParamFact {
  name: string;
  description: string;
  type: 'string' | 'integer' | 'boolean';
}

const fact = (name: string, description: string, type: QueryParamFact['type'] = 'string'): QueryParamFact => ({ name, description, type });

export const DRY_RUN = fact('dryRun', 'When present, indicates that modifications should not be persisted. Valid value: All');
export const FIELD_MANAGER = fact('fieldManager', 'A name associated with the actor or entity making these changes.');
export const FIELD_VALIDATION = fact('fieldValidation', 'How the server handles objects with unknown or duplicate fields: Ignore, Warn or Strict.');
export const FORCE = fact('force', 'Force apply requests, re-acquiring conflicting fields owned by other managers.', 'boolean');
export const PRETTY = fact('pretty', 'If true, the output is pretty printed.');
export const LIST_PARAMS: readonly QueryParamFact[] = [
  fact('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  fact('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  fact('limit', 'Maximum number of responses to return for a list call.', 'integer'),
  fact('continue', 'The continue option from a previous paginated list.'),
  fact('resourceVersion', 'Constrains which resource versions the request may be served from.'),
  fact('watch', 'Watch for changes to the described resources.', 'boolean'),
  fact('allowWatchBookmarks', 'Requests watch events with type BOOKMARK.', 'boolean'),
  fact('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
];
