/**
 * A segment: a workspace's saved, named filter over its contacts. It is evaluated when it is used (a preview, the
 * start of a send), never stored as a member list; its members still meet the engine one by one before any mail.
 */
import { z } from 'zod';
import { segmentFilterSchema, type SegmentFilter } from './segment-filter.js';

export const segmentInputSchema = z.object({
  name: z.string().trim().min(1, 'a segment needs a name').max(200),
  description: z.string().trim().max(2000).default(''),
  filter: segmentFilterSchema,
});

export type SegmentInput = z.output<typeof segmentInputSchema>;

export type Segment = { id: string; workspaceId: string; name: string; description: string; filter: SegmentFilter; createdAt: Date; updatedAt: Date };
