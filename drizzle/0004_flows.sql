CREATE TABLE "citizen_prompts" (
	"channel" text NOT NULL,
	"citizen_user_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"kind" text NOT NULL,
	"asked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "citizen_prompts_pkey" PRIMARY KEY("channel","citizen_user_id"),
	CONSTRAINT "citizen_prompts_kind_check" CHECK ("citizen_prompts"."kind" in ('resolve_feedback'))
);
--> statement-breakpoint
CREATE TABLE "conversation_flow" (
	"conversation_id" text PRIMARY KEY NOT NULL,
	"awaiting" text,
	"bot_entry_id" text,
	"sla_cycle" integer DEFAULT 0 NOT NULL,
	"sla_clock_start" timestamp with time zone,
	"sla_due_at" timestamp with time zone,
	"reassignments" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_flow_awaiting_check" CHECK ("conversation_flow"."awaiting" in ('item_choice', 'bot_feedback'))
);
--> statement-breakpoint
CREATE TABLE "staff_desk_state" (
	"staff_id" text PRIMARY KEY NOT NULL,
	"current_conversation_id" text,
	"last_assigned_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "citizen_prompts" ADD CONSTRAINT "citizen_prompts_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_flow" ADD CONSTRAINT "conversation_flow_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_desk_state" ADD CONSTRAINT "staff_desk_state_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_desk_state" ADD CONSTRAINT "staff_desk_state_current_conversation_id_conversations_id_fk" FOREIGN KEY ("current_conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;