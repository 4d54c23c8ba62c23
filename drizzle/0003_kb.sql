CREATE TABLE "kb_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"column" text NOT NULL,
	"item" text NOT NULL,
	"title" text NOT NULL,
	"questions" text[] DEFAULT '{}'::text[] NOT NULL,
	"answer" text NOT NULL,
	"keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"source" text NOT NULL,
	"source_url" text,
	"effective_date" date,
	"publish_date" date,
	"status" text NOT NULL,
	"maintainer" text NOT NULL,
	"needs_confirmation" boolean DEFAULT false NOT NULL,
	"facts" text[] DEFAULT '{}'::text[] NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "kb_entries_column_check" CHECK ("kb_entries"."column" in ('网上办事指引', '常见问题', '政务百科词条', '政策文件', '通知公告', '热线电话', '部门信息')),
	CONSTRAINT "kb_entries_status_check" CHECK ("kb_entries"."status" in ('draft', 'published', 'retired')),
	CONSTRAINT "kb_entries_version_check" CHECK ("kb_entries"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "kb_entry_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "kb_entry_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"entry_id" text NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"changed_fields" text[] NOT NULL,
	"summary" text NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "kb_entry_versions_entry_version_unique" UNIQUE("entry_id","version")
);
--> statement-breakpoint
CREATE TABLE "kb_gap_occurrences" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "kb_gap_occurrences_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"gap_id" bigint NOT NULL,
	"question" text NOT NULL,
	"conversation_id" text,
	"reason" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "kb_gap_occurrences_reason_check" CHECK ("kb_gap_occurrences"."reason" in ('low_confidence', 'ambiguous', 'needs_confirmation', 'out_of_scope', 'not_solved'))
);
--> statement-breakpoint
CREATE TABLE "kb_gaps" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "kb_gaps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"question" text NOT NULL,
	"normalized_question" text NOT NULL,
	"item" text NOT NULL,
	"conversation_id" text,
	"reason" text NOT NULL,
	"occurrences" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"closed_by" text,
	"closed_at" timestamp with time zone,
	"answer_entry_id" text,
	CONSTRAINT "kb_gaps_reason_check" CHECK ("kb_gaps"."reason" in ('low_confidence', 'ambiguous', 'needs_confirmation', 'out_of_scope', 'not_solved')),
	CONSTRAINT "kb_gaps_status_check" CHECK ("kb_gaps"."status" in ('open', 'closed')),
	CONSTRAINT "kb_gaps_occurrences_check" CHECK ("kb_gaps"."occurrences" >= 1),
	CONSTRAINT "kb_gaps_closed_check" CHECK (("kb_gaps"."status" = 'open') = ("kb_gaps"."closed_at" is null and "kb_gaps"."closed_by" is null and "kb_gaps"."answer_entry_id" is null))
);
--> statement-breakpoint
ALTER TABLE "kb_entry_versions" ADD CONSTRAINT "kb_entry_versions_entry_id_kb_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."kb_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_gap_occurrences" ADD CONSTRAINT "kb_gap_occurrences_gap_id_kb_gaps_id_fk" FOREIGN KEY ("gap_id") REFERENCES "public"."kb_gaps"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kb_gaps" ADD CONSTRAINT "kb_gaps_answer_entry_id_kb_entries_id_fk" FOREIGN KEY ("answer_entry_id") REFERENCES "public"."kb_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kb_entries_status_item_idx" ON "kb_entries" USING btree ("status","item");--> statement-breakpoint
CREATE INDEX "kb_gap_occurrences_gap_idx" ON "kb_gap_occurrences" USING btree ("gap_id");--> statement-breakpoint
CREATE INDEX "kb_gaps_status_item_idx" ON "kb_gaps" USING btree ("status","item");--> statement-breakpoint
CREATE INDEX "kb_gaps_status_due_idx" ON "kb_gaps" USING btree ("status","due_at");