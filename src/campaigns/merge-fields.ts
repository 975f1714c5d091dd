/**
 * A contact's merge fields for Liquid (`{{ contact.… }}`): its custom fields, `email` and `country`. The name
 * fields answer to both spellings in use: an import stores `firstName`, `lastName`, `fullName` (its recognised
 * headers), a sign-up form or the API usually `first_name`… So `{{ contact.first_name }}`, as documented, reads
 * an imported contact's name too, and `{{ contact.firstName }}`, as the contact view shows it, a form's.
 */
const ALIASES: readonly (readonly [string, string])[] = [['firstName', 'first_name'], ['lastName', 'last_name'], ['fullName', 'full_name']];

export function mergeFields(contact: { custom_fields: unknown; email: string | null; country: string }): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...(contact.custom_fields as Record<string, unknown>), email: contact.email, country: contact.country };
  for (const [camel, snake] of ALIASES) {
    // a field stored under one spelling fills the other; one stored under both keeps each value
    if (fields[camel] !== undefined && fields[snake] === undefined) fields[snake] = fields[camel];
    else if (fields[snake] !== undefined && fields[camel] === undefined) fields[camel] = fields[snake];
  }
  return fields;
}
