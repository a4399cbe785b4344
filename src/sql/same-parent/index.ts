/**
 * The same-parent rule's SQL: `objects.ts` (the functions and triggers, and the statements that
 * install and remove them), `large-path.ts` (the function that decides how a statement of many links is checked, and the
 * queries it hands the trigger functions) and
 * `shared.ts` (what the functions share: the violation they raise, how they name everything by its
 * schema).
 *
 * @module
 */
export { dropSameParentStatements, sameParentObjects, sameParentStatements } from "./objects.js";
export { MERGE_ENTRIES_PER_ROW, ORDERED_CORRELATION, ROWS_PER_TABLE_PAGE } from "./large-path.js";
export { LARGE_STATEMENT_ROWS, SAME_PARENT_FUNCTION_CONFIG, SAME_PARENT_VIOLATION } from "./shared.js";
