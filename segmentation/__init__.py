"""The model side: a plain Python/torch library (nets, flow engine, metrics, lesions, alarms,
training) that imports no Django, plus a thin Django layer (model versions, inference jobs)."""
