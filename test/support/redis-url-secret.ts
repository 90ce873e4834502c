/**
 * The password the redis-url-*.test.ts and mask-url.test.ts files put in URLs, to check that no
 * message or masked URL ever shows it.
 */
export const SECRET = 'Sup3r-s3cret';
