CREATE TABLE "dingtalk_robot_pauses" (
	"item_id" text PRIMARY KEY NOT NULL,
	"paused_until" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dingtalk_sessions" (
	"session_key" text PRIMARY KEY NOT NULL,
	"webhook" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hotline_ticket_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "hotline_ticket_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"ticket_no" text NOT NULL,
	"type" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hotline_tickets" (
	"ticket_no" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"sequence" integer NOT NULL,
	"hotline_no" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"item_id" text,
	"staff_id" text,
	"reason" text NOT NULL,
	"appeal_type" text NOT NULL,
	"urgency" text NOT NULL,
	"title" text NOT NULL,
	"document" jsonb NOT NULL,
	"return_reason" text,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"accepted_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"citizen_told_at" timestamp with time zone,
	CONSTRAINT "hotline_tickets_status_check" CHECK ("hotline_tickets"."status" in ('pending', 'sent', 'accepted', 'in_progress', 'closed', 'returned', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "wecom_rate_slots" (
	"key" text NOT NULL,
	"slot" integer NOT NULL,
	"used_at" timestamp with time zone NOT NULL,
	CONSTRAINT "wecom_rate_slots_key_slot_pk" PRIMARY KEY("key","slot")
);
--> statement-breakpoint
CREATE TABLE "wechat_oa_citizens" (
	"openid" text PRIMARY KEY NOT NULL,
	"window_until" timestamp with time zone NOT NULL,
	"replies_left" integer NOT NULL,
	"opened_by" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"unsubscribed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wechat_oa_undelivered" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "wechat_oa_undelivered_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"conversation_id" text NOT NULL,
	"openid" text NOT NULL,
	"reason" text NOT NULL,
	"errcode" integer,
	"message_kind" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "wechat_oa_undelivered_reason_check" CHECK ("wechat_oa_undelivered"."reason" in ('window_closed', 'reply_limit', 'unsubscribed', 'unknown_citizen', 'api_refused'))
);
--> statement-breakpoint
ALTER TABLE "hotline_ticket_events" ADD CONSTRAINT "hotline_ticket_events_ticket_no_hotline_tickets_ticket_no_fk" FOREIGN KEY ("ticket_no") REFERENCES "public"."hotline_tickets"("ticket_no") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hotline_tickets" ADD CONSTRAINT "hotline_tickets_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hotline_tickets" ADD CONSTRAINT "hotline_tickets_item_id_service_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."service_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hotline_tickets" ADD CONSTRAINT "hotline_tickets_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "hotline_ticket_events_ticket_idx" ON "hotline_ticket_events" USING btree ("ticket_no","id");--> statement-breakpoint
CREATE UNIQUE INDEX "hotline_ticket_events_dedupe_unique" ON "hotline_ticket_events" USING btree ("dedupe_key") WHERE "hotline_ticket_events"."dedupe_key" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "hotline_tickets_conversation_sequence_unique" ON "hotline_tickets" USING btree ("conversation_id","sequence");--> statement-breakpoint
CREATE INDEX "hotline_tickets_status_idx" ON "hotline_tickets" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "hotline_tickets_hotline_no_idx" ON "hotline_tickets" USING btree ("hotline_no") WHERE "hotline_tickets"."hotline_no" is not null;--> statement-breakpoint
CREATE INDEX "wechat_oa_undelivered_conversation_idx" ON "wechat_oa_undelivered" USING btree ("conversation_id");