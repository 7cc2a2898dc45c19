"""The briefing pack and the exports: periods, figures, XLSX/CSV/DOCX, charts, the chat summary."""
