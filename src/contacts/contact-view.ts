/** A contact row → the API's JSON. */
import type { ContactRow } from './contacts.repository.js';

export function contactToJson(c: ContactRow) {
  const details = (c.source_details ?? {}) as Record<string, unknown>;
  return {
    id: c.id,
    email: c.email,
    phone: c.phone,
    country: c.country,
    kind: c.kind,
    birthDate: c.birth_date,
    customFields: c.custom_fields,
    source: {
      type: c.source_type,
      ...(c.source_at ? { at: c.source_at.toISOString() } : {}),
      collectedBy: c.collected_by,
      evidence: c.source_evidence as string[],
      ...details,
    },
    registries: c.registries,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  };
}
