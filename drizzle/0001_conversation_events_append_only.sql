-- The audit trail is append-only: every metric and the supervisors' history are computed from it.
CREATE FUNCTION "conversation_events_reject_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'conversation_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "conversation_events_append_only"
  BEFORE UPDATE OR DELETE ON "conversation_events"
  FOR EACH ROW EXECUTE FUNCTION "conversation_events_reject_change"();
