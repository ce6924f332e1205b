"""Intelligence (智能辅助): models the hotline trains on its own history to help staff.

A library the services call: it imports no views and nothing from orders. This
package holds the text classifiers that suggest an order's category (topic) and
appeal type (诉求类型) from its title and description (docs/intelligence.md).
"""
