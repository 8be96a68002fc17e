"""Queue control: pause and resume, the queue view and limit, interval triggers, ordering lanes,
replay, dead-letter redrive and the sweeper that keeps every unfinished item moving."""
