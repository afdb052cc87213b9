//! The annual 政府信息公开 figures: counting, and rendering as HTML/SVG, CSV and JSON.
